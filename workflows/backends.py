"""Task queues by role and area. A task's permission names a role's queue at one area
(`workflows.queue:street_official@340705001`) or a department's; this backend grants each user
the queue permissions of their grid assignments, so Viewflow's inbox, queue, assign and execute
views, and their SQL filtering, work unchanged."""

from grid.backends import CachedPermissionsBackend
from grid.models import Assignment

from . import selectors


class QueueBackend(CachedPermissionsBackend):
    cache_attr = "_workflow_queue_perm_cache"

    def permissions_of(self, user_obj) -> set[str]:
        perms = set()
        for role_key, area_code, department_key in Assignment.objects.filter(
            user=user_obj
        ).values_list("role__key", "area__code", "department__key"):
            if area_code:
                perms.add(selectors.queue_permission(role_key, area_code))
            if department_key:
                perms.add(selectors.department_permission(department_key))
        return perms
