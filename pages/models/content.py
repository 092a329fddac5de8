"""Pages of content under the area pages: notices, service guides and volunteer activities."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from grid.fields import PhoneField
from grid.models import Area
from grid.serializers import AreaSummarySerializer

from ..cache import area_key, versions
from .pagetypes import SUMMARY_FEATURES, ActivityPageForm, PublicPage, body_field


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
    serve_related = ("grid",)
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
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        if self.grid:
            versions(request, [area_key(self.grid.code)])  # the grid's name, for the page cache
        context.update(selectors.activity_context(self, request.user))
        return context

    @path("sign-up/", name="sign_up")
    def sign_up_view(self, request):
        from .. import views

        return views.activity_action(request, self, "sign_up")

    @path("cancel/", name="cancel")
    def cancel_view(self, request):
        from .. import views

        return views.activity_action(request, self, "cancel")

    @path("hours/", name="hours")
    def hours_view(self, request):
        from .. import views

        return views.log_hours(request, self)
