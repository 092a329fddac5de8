"""Write-side rules of the registry, shared by the admin, imports, the API and commands."""

from django.contrib.auth.models import User as Account
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import selectors
from .models import Area, Assignment, Department, Role


def role_permissions(role: Role) -> set[str]:
    if role.group is None:
        return set()
    return {
        f"{app}.{codename}"
        for app, codename in role.group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def can_grant(granter: Account, role: Role, area: Area | None) -> bool:
    """A user may hand out a role only inside their jurisdiction, and only one that grants
    nothing they do not hold themselves; department roles are for platform admins."""
    if granter.is_superuser:
        return True
    if area is None or not selectors.can_see_area(granter, area):
        return False
    return role_permissions(role) <= granter.get_all_permissions()


@transaction.atomic
def assign_role(
    *,
    user: Account,
    role: Role,
    area: Area | None = None,
    department: Department | None = None,
    work_phone: str = "",
    granted_by: Account | None = None,
) -> Assignment:
    if granted_by is not None and not can_grant(granted_by, role, area):
        raise PermissionDenied(_("You cannot grant this role on this area."))
    assignment = Assignment(
        user=user, role=role, area=area, department=department, work_phone=work_phone
    )
    assignment.full_clean()
    assignment.save()
    return assignment


def check_area_parent(user: Account, parent: Area | None) -> None:
    """Only platform admins create districts; everyone else works under an area they see."""
    if user.is_superuser:
        return
    if parent is None or not selectors.can_see_area(user, parent):
        raise ValidationError(_("Choose a parent area within your jurisdiction."))
