"""The demo portal: a portal page for the demo district, set as the default site's root."""

from collections import Counter

from django.db import transaction
from wagtail.models import Page, Site

from grid.models import Area

from .models import PortalPage

PORTAL_SLUG = "portal"


@transaction.atomic
def build() -> Counter:
    created: Counter = Counter()
    portal = PortalPage.objects.filter(slug=PORTAL_SLUG).first()
    if portal is None:
        district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("code").first()
        portal = PortalPage(
            title=f"{district.name}人民网格" if district else "人民网格",
            slug=PORTAL_SLUG,
            area=district,
            intro="<p>街道—社区—责任网格三级网格，人员在格中、服务在网上。</p>",
        )
        Page.get_first_root_node().add_child(instance=portal)
        created["pages"] += 1
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=portal, is_default_site=True)
        created["sites"] += 1
    elif site.root_page_id != portal.pk:
        site.root_page = portal
        site.save()
        created["sites"] += 1
    return created
