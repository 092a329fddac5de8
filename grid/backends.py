"""Permissions come from role assignments: a user holds each permission of the groups linked to
the roles they are assigned, and the jurisdiction selectors limit where those permissions apply.
Logins are locked out after repeated failures (django-axes)."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission


class CachedPermissionsBackend(BaseBackend):
    """Permissions worked out once per user object (that is, once per request) from the
    user's assignments; subclasses say which."""

    cache_attr: str

    def permissions_of(self, user_obj) -> set[str]:
        raise NotImplementedError

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, self.cache_attr):
            setattr(user_obj, self.cache_attr, self.permissions_of(user_obj))
        return getattr(user_obj, self.cache_attr)


class AssignmentBackend(CachedPermissionsBackend):
    cache_attr = "_grid_assignment_perm_cache"

    def permissions_of(self, user_obj) -> set[str]:
        perms = (
            Permission.objects.filter(group__roles__assignments__user=user_obj)
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        return {f"{app}.{codename}" for app, codename in perms}

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return self.get_all_permissions(user_obj, obj)


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout for every login that comes with a request (the site's and the
    admin's login forms, API authentication). A login without a request, such as a test
    client's or a command's, has no client address to lock and is left to the other
    backends, rather than refused with an error."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
