"""Wagtail page models of the public sites.

The tree mirrors the registry: portal (the district) → street pages → community pages, each
bound to its registry area; notices, service guides, volunteer activities, the access list and
the map hang under them. A page shows only areas inside its own area's subtree."""

from .community import AccessListEntry, ActivitySignup
from .content import NoticePage, ServiceGuidePage, VolunteerActivityPage
from .pagetypes import (
    SUMMARY_FEATURES,
    AccessListPage,
    ActivityPageForm,
    AreaPageForm,
    AreaViewPage,
    CentrePage,
    CommunityPage,
    MapPage,
    PortalPage,
    PublicPage,
    StreetPage,
    area_field,
    body_field,
    centre_panels,
)

__all__ = [
    "SUMMARY_FEATURES",
    "AccessListEntry",
    "AccessListPage",
    "ActivityPageForm",
    "ActivitySignup",
    "AreaPageForm",
    "AreaViewPage",
    "CentrePage",
    "CommunityPage",
    "MapPage",
    "NoticePage",
    "PortalPage",
    "PublicPage",
    "ServiceGuidePage",
    "StreetPage",
    "VolunteerActivityPage",
    "area_field",
    "body_field",
    "centre_panels",
]
