"""Wagtail page models of the public sites.

The tree mirrors the registry: portal (the district) → street pages → community pages, each
bound to its registry area; notices, service guides, volunteer activities, the access list and
the map hang under them. A page shows only areas inside its own area's subtree.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from grid.fields import PhoneField
from grid.models import Area, Department
from grid.selectors import nearest_area
from grid.serializers import AreaSummarySerializer

from .blocks import BodyBlock

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


class PublicPage(Page):
    """A page of the public sites: anonymous visitors get it from the page cache
    (see pages.cache)."""

    class Meta:
        abstract = True


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

    content_panels = [*Page.content_panels, FieldPanel("area"), FieldPanel("intro"), "body"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [
        APIField("area", serializer=AreaSummarySerializer()),
        APIField("intro"),
        APIField("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.StreetPage", "pages.NoticePage", "pages.MapPage", "forms.FormPage"]
    max_count = 1

    class Meta:
        verbose_name = _("portal home page")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["streets"] = selectors.street_cards(self)
        context["notices"] = selectors.latest_notices(self)
        context["map_page"] = MapPage.objects.live().descendant_of(self).first()
        context["form_pages"] = selectors.form_pages(self)
        return context

    @path("search/")
    def search(self, request):
        from . import selectors

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

        from . import selectors

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
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(getattr(selectors, self.context_selector)(self))
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
    ]
    context_selector = "community_context"

    class Meta:
        verbose_name = _("community page")


class NoticePage(PublicPage):
    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice")
        NEWS = "news", _("News")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTICE)
    date = models.DateField(_("date"), default=datetime.date.today)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = body_field()

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("date")]),
        FieldPanel("summary"),
        "body",
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    api_fields = [APIField("kind"), APIField("date"), APIField("summary"), APIField("body")]
    parent_page_types = ["pages.PortalPage", "pages.StreetPage", "pages.CommunityPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("notice or news item")
        verbose_name_plural = _("notices and news")


class ServiceGuidePage(PublicPage):
    """What a service is, who can apply, what to bring, where and when."""

    summary = models.CharField(_("what it is"), max_length=300)
    eligibility = RichTextField(_("who can apply"), blank=True, features=SUMMARY_FEATURES)
    materials = RichTextField(_("what to bring"), blank=True, features=SUMMARY_FEATURES)
    place = models.CharField(_("where"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    body = body_field()

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("eligibility"),
        FieldPanel("materials"),
        FieldRowPanel([FieldPanel("place"), FieldPanel("opening_hours"), FieldPanel("phone")]),
        "body",
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("eligibility"),
        index.SearchField("materials"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("eligibility"),
        APIField("materials"),
        APIField("place"),
        APIField("opening_hours"),
        APIField("phone"),
        APIField("body"),
    ]
    parent_page_types = ["pages.StreetPage", "pages.CommunityPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("service guide")


class VolunteerActivityPage(RoutablePageMixin, PublicPage):
    """An activity registered volunteers sign up for; the organiser logs hours afterwards."""

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_activities",
        limit_choices_to={"level": Area.Level.GRID},
    )
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_activities",
        help_text=_("Logs the volunteers' hours after the activity."),
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = body_field()

    base_form_class = ActivityPageForm
    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("place"), FieldPanel("grid")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("organiser")]),
        FieldPanel("summary"),
        "body",
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("place")]
    api_fields = [
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("place"),
        APIField("grid", serializer=AreaSummarySerializer()),
        APIField("capacity"),
        APIField("summary"),
        APIField("body"),
    ]
    parent_page_types = ["pages.CommunityPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("An activity must end after it starts.")})

    @property
    def has_started(self) -> bool:
        return timezone.now() >= self.starts_at

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.activity_context(self, request.user))
        return context

    @path("sign-up/", name="sign_up")
    def sign_up_view(self, request):
        from . import views

        return views.activity_action(request, self, "sign_up")

    @path("cancel/", name="cancel")
    def cancel_view(self, request):
        from . import views

        return views.activity_action(request, self, "cancel")

    @path("hours/", name="hours")
    def hours_view(self, request):
        from . import views

        return views.log_hours(request, self)


class ActivitySignup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Place confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(
        VolunteerActivityPage,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="activity_signups",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    hours = models.DecimalField(
        _("hours served"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity sign-up")
        verbose_name_plural = _("activity sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="signup_once_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity} · {self.get_status_display()}"


class AccessListEntry(models.Model):
    """An approved piece of department work admitted into a community (社区工作准入清单).
    Created by `pages.services.publish_access_entry`, e.g. when an access request is approved."""

    community = models.ForeignKey(
        Area,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="access_entries",
        limit_choices_to={"level": Area.Level.COMMUNITY},
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="access_entries",
    )
    content = models.CharField(_("work admitted"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The approval this entry comes from, for example a process number."),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("access list entry")
        verbose_name_plural = _("access list entries")
        ordering = ["community__code", "-starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~models.Q(reference=""),
                name="access_entry_unique_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.content}"

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("The period must end on or after its first day.")]
        if self.community_id and self.community.level != Area.Level.COMMUNITY:
            errors["community"] = [_("Choose a community.")]
        if errors:
            raise ValidationError(errors)


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
        from . import selectors

        return selectors.access_list_context(area, request.GET)


class MapPage(AreaViewPage):
    """The three-level grid map of the area of the page above."""

    parent_page_types = ["pages.PortalPage", "pages.StreetPage"]

    class Meta:
        verbose_name = _("grid map page")

    def area_context(self, area: Area, request) -> dict:
        from . import selectors

        return {"map_config": selectors.map_config(area), "map_area": area}
