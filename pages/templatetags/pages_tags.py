from django import template
from wagtail.models import Site

from grid import public
from pages import selectors

register = template.Library()


@register.inclusion_tag("pages/includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, page):
    """The page's ancestors below the current site's root (those its route read, if any)."""
    request = context["request"]
    site = Site.find_for_request(request)
    if site is None:
        ancestors = []
    elif (read := getattr(page, "route_ancestors", None)) is not None:
        ancestors = [a for a in read if a.live and a.depth >= site.root_page.depth]
    else:
        ancestors = page.get_ancestors().live().filter(depth__gte=site.root_page.depth)
    return {"ancestors": ancestors, "page": page, "request": request}


@register.inclusion_tag("pages/includes/volunteer_summary.html", takes_context=True)
def volunteer_summary(context, user):
    """A volunteer's total hours, for their account page."""
    return {"request": context["request"], **selectors.volunteer_summary(user)}


register.filter("worker_name", public.worker_name)
register.filter("worker_photo", public.worker_photo_url)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
