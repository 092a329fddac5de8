"""The page types that carry the area tree onto the sites: portal, street and community
pages, and the pages showing an area (access list, map)."""

from operator import attrgetter

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from grid.fields import PhoneField
from grid.models import Area
from grid.selectors import nearest_area
from grid.serializers import AreaSummarySerializer

from ..blocks import BodyBlock
from ..cache import (
    ancestor_paths,
    area_key,
    own_key,
    tree_key,
    versions,
    view_restrictions,
)

SUMMARY_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def body_field() -> StreamField:
    return StreamField(BodyBlock(), verbose_name=_("body"), blank=True)


class AreaPageForm(WagtailAdminPageForm):
    """A page's area must lie inside the area of the page above it: a street page's street in
    the portal's district, a community page's community in its street, an activity's grid in
    its community."""

    area_field = "area"
    direct_child = True

    def clean(self):
        cleaned = super().clean()
        area = cleaned.get(self.area_field)
        parent_area = nearest_area(self.parent_page) if self.parent_page else None
        if area and parent_area:
            inside = (
                area.parent_id == parent_area.pk
                if self.direct_child
                else area.code.startswith(parent_area.code)
            )
            if not inside:
                self.add_error(
                    self.area_field,
                    _("Choose an area inside %(parent)s, the area of the page above.")
                    % {"parent": parent_area.name},
                )
        return cleaned


class ActivityPageForm(AreaPageForm):
    area_field = "grid"
    direct_child = False


def routes_itself(page: Page) -> bool:
    """Whether the page's type routes the rest of a path its own way (a routable page)."""
    model = page.specific_class
    return model is None or model.route not in (Page.route, PublicPage.route)


class PublicPage(Page):
    """A page of the public sites: anonymous visitors get it from the page cache, and its
    shared parts come from the cache (see pages.cache)."""

    # Relations the page's template reads, fetched with the page when it is served.
    serve_related: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def route(self, request, path_components):
        """Wagtail reads two rows per level of the path (the child, then its specific row).
        Here the pages along the path, and those above this one, come in one query by their
        URL paths, and the page served in a second with `serve_related`; a routable page on
        the way routes the rest of the path itself, as in Wagtail."""
        if not path_components:
            return super().route(request, path_components)
        url_paths = [
            self.url_path + "".join(f"{component}/" for component in path_components[:length])
            for length in range(1, len(path_components) + 1)
        ]
        above = ancestor_paths(self.path)
        # By slug too: url_path has no index, slug has (and each component is a slug).
        found = Page.objects.filter(
            Q(path__in=above)
            | Q(slug__in=path_components, url_path__in=url_paths, path__startswith=self.path)
        )
        by_url_path = {page.url_path: page for page in found if page.path not in above}
        # The pages read so far from the tree's root: the ancestors of the page served.
        chain = sorted((page for page in found if page.path in above), key=attrgetter("depth"))
        chain.append(self)
        for position, url_path in enumerate(url_paths):
            page = by_url_path.get(url_path)
            if page is None:
                raise Http404
            page._cached_parent_obj = chain[-1]
            remaining = path_components[position + 1 :]
            if remaining and routes_itself(page):
                return page.specific.route(request, remaining)
            chain.append(page)
        page = chain.pop()
        # Before its row is read: a part cached under these versions never holds older rows.
        versions(request, [tree_key(page.path), *(own_key(ancestor.path) for ancestor in chain)])
        model = page.specific_class
        if model is not None:
            rows = model._default_manager.all()
            if related := getattr(model, "serve_related", ()):
                rows = rows.select_related(*related)  # with no names it would follow them all
            served = rows.get(pk=page.pk)
            served._cached_parent_obj = page._cached_parent_obj
            page = served
        page.route_ancestors = chain
        # An alias has the restrictions of the page it copies: Wagtail finds those.
        if not any(each.alias_of_id for each in [page, *chain]):
            on_path = {page.pk, *(ancestor.pk for ancestor in chain)}
            page.served_restrictions = [
                restriction
                for restriction in view_restrictions(request)
                if restriction.page_id in on_path
            ]
        return page.route(request, [])

    def get_view_restrictions(self):
        """Wagtail's restrictions of this page and those above it: those the route found, or
        read once (Wagtail's serving hook and the page cache both ask)."""
        if "served_restrictions" not in self.__dict__:
            restrictions = super().get_view_restrictions()
            list(restrictions)  # evaluated once; the queryset answers from its results after
            self.served_restrictions = restrictions
        return self.served_restrictions


class PortalPage(RoutablePageMixin, PublicPage):
    """The city portal's home: the district, its streets, the latest notices, site search and
    "find my grid"."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level": Area.Level.DISTRICT},
    )
    intro = RichTextField(_("introduction"), blank=True, features=SUMMARY_FEATURES)
    body = body_field()

    serve_related = ("area",)
    content_panels = [*Page.content_panels, FieldPanel("area"), FieldPanel("intro"), "body"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [
        APIField("area", serializer=AreaSummarySerializer()),
        APIField("intro"),
        APIField("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "pages.StreetPage",
        "pages.NoticePage",
        "pages.MapPage",
        "forms.FormPage",
        "workflows.ProcessPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("portal home page")

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.portal_context(self, request))
        return context

    @path("search/")
    def search(self, request):
        from .. import selectors

        query = request.GET.get("q", "").strip()[:100]
        return TemplateResponse(
            request,
            "pages/search_results.html",
            {
                "page": self,
                "query": query,
                "results": selectors.search_pages(self, query) if query else [],
            },
        )

    @path("find-my-grid/")
    def find_my_grid(self, request):
        from grid.public import find_grids

        from .. import selectors

        query = request.GET.get("q", "").strip()[:100]
        error = ""
        matches = []
        if query and len(query) < 2:
            error = _("Type at least two characters.")
        elif query:
            matches = find_grids(query, within=self.area)
        return TemplateResponse(
            request,
            "pages/find_my_grid.html",
            {
                "page": self,
                "query": query,
                "error": error,
                "matches": matches,
                "centres": selectors.community_pages_for([m.grid.parent_id for m in matches]),
            },
        )


def area_field(level: int, verbose_name, related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        Area,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"level": level},
    )


def centre_panels(heading) -> list:
    return [
        *Page.content_panels,
        FieldPanel("area"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("address"), FieldRowPanel([FieldPanel("opening_hours"), "phone"])],
            heading=heading,
        ),
        "body",
    ]


class CentrePage(PublicPage):
    """The page of an area's service centre, bound to that area in the registry."""

    intro = RichTextField(_("introduction"), blank=True, features=SUMMARY_FEATURES)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    body = body_field()

    base_form_class = AreaPageForm
    serve_related = ("area",)
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [
        APIField("area", serializer=AreaSummarySerializer()),
        APIField("intro"),
        APIField("address"),
        APIField("opening_hours"),
        APIField("phone"),
        APIField("body"),
    ]
    context_selector: str

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(getattr(selectors, self.context_selector)(self, request))
        return context


class StreetPage(CentrePage):
    """A street's grid management centre (the 1st-level grid)."""

    area = area_field(Area.Level.STREET, _("street"), "street_pages")

    content_panels = centre_panels(_("Grid management centre"))
    parent_page_types = ["pages.PortalPage"]
    subpage_types = [
        "pages.CommunityPage",
        "pages.NoticePage",
        "pages.ServiceGuidePage",
        "pages.AccessListPage",
        "pages.MapPage",
        "forms.FormPage",
        "workflows.ProcessPage",
    ]
    context_selector = "street_context"

    class Meta:
        verbose_name = _("street page")


class CommunityPage(CentrePage):
    """A community service centre (the 2nd-level grid): its grids and their people, notices,
    services, volunteer activities and the access list."""

    area = area_field(Area.Level.COMMUNITY, _("community"), "community_pages")

    content_panels = centre_panels(_("Community service centre"))
    parent_page_types = ["pages.StreetPage"]
    subpage_types = [
        "pages.NoticePage",
        "pages.ServiceGuidePage",
        "pages.VolunteerActivityPage",
        "pages.AccessListPage",
        "forms.FormPage",
        "workflows.ProcessPage",
    ]
    context_selector = "community_context"

    class Meta:
        verbose_name = _("community page")


class AreaViewPage(PublicPage):
    """A page showing something of the area of the page above it (the access list, the map)."""

    intro = RichTextField(_("introduction"), blank=True, features=SUMMARY_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    api_fields = [APIField("intro")]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        area = nearest_area(self.get_parent())
        if area is None:
            raise Http404
        versions(request, [area_key(area.code)])  # what the page shows lies under the area
        context.update(self.area_context(area, request))
        return context

    def area_context(self, area: Area, request) -> dict:
        raise NotImplementedError


class AccessListPage(AreaViewPage):
    """The public community work access list of the communities under this page's area."""

    parent_page_types = ["pages.StreetPage", "pages.CommunityPage"]

    class Meta:
        verbose_name = _("access list page")

    def area_context(self, area: Area, request) -> dict:
        from .. import selectors

        return selectors.access_list_context(area, request.GET)


class MapPage(AreaViewPage):
    """The three-level grid map of the area of the page above."""

    parent_page_types = ["pages.PortalPage", "pages.StreetPage"]

    class Meta:
        verbose_name = _("grid map page")

    def area_context(self, area: Area, request) -> dict:
        from .. import selectors

        return {"map_config": selectors.map_config(area), "map_area": area}
