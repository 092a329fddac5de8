"""Demo forms: the roles that read the forms sent in their jurisdiction get the permission to.

The demo's forms themselves are those of the shipped processes (fixtures/workflows/): the
process demo (`demo.processes`) imports them and places the supervision report, the volunteer
sign-up, the grid incident report and the access request on pages under the portal."""

from collections import Counter

from django.contrib.auth.models import Permission
from django.db import transaction

from grid.models import Role

# Roles that read the forms sent in their jurisdiction.
SUBMISSION_READERS = (
    "platform_admin",
    "street_official",
    "street_leader",
    "community_director",
    "community_worker",
    "grid_worker",
)


@transaction.atomic
def build() -> Counter:
    readers = Role.objects.filter(key__in=SUBMISSION_READERS, group__isnull=False)
    view = Permission.objects.get(content_type__app_label="forms", codename="view_submission")
    for role in readers.select_related("group"):
        role.group.permissions.add(view)
    return Counter()
