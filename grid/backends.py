"""Permissions come from role assignments: a user holds each permission of the groups linked to
the roles they are assigned, and the jurisdiction selectors limit where those permissions apply."""

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission

_CACHE_ATTR = "_grid_assignment_perm_cache"


class AssignmentBackend(BaseBackend):
    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, _CACHE_ATTR):
            perms = (
                Permission.objects.filter(group__roles__assignments__user=user_obj)
                .values_list("content_type__app_label", "codename")
                .distinct()
            )
            setattr(user_obj, _CACHE_ATTR, {f"{app}.{codename}" for app, codename in perms})
        return getattr(user_obj, _CACHE_ATTR)

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return self.get_group_permissions(user_obj, obj)
