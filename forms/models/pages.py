"""The page that places a form on a site."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Page

from grid.models import Area
from grid.selectors import nearest_area

from .. import signals
from .definitions import FormDefinition


def offered_area(parent_page: Page) -> Area | None:
    """What a new form page under `parent_page` offers by default: the areas of the page it is
    placed under (on a community's page, that community's)."""
    area = nearest_area(parent_page)
    return area if area is not None and area.level < Area.Level.GRID else None


class FormPageForm(WagtailAdminPageForm):
    """A new form page offers, by default, the areas of the page it is placed under."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.instance.area_id and self.parent_page:
            area = offered_area(self.parent_page)
            if area is not None:
                self.initial["area"] = area.pk


class FormPage(RoutablePageMixin, Page):
    """Places a published form definition on a site; residents fill it in here. Other apps
    add page types that act on what is sent (the process engine's process page)."""

    definition = models.ForeignKey(
        FormDefinition,
        verbose_name=_("form"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("offer areas within"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level__lt": Area.Level.GRID},
        help_text=_(
            "Community and grid choosers on this page offer only areas inside this one. "
            "Leave empty to offer the whole registry."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("definition"),
        FieldPanel("area"),
    ]
    subpage_types: list[str] = []
    base_form_class = FormPageForm
    template = "forms/form_page.html"

    class Meta:
        verbose_name = _("form page")

    def start_notice(self, user) -> str:
        """Said before anyone fills the form in, when this visitor may not send it (asked of
        the apps that act on submissions, such as the process engine)."""
        return next((text for notice in signals.start_notices if (text := notice(self, user))), "")

    def start_problems(self, form, user) -> list[str]:
        """Why this valid form could not be accepted from this page, if it cannot."""
        return [problem for check in signals.start_checks for problem in check(self, form, user)]

    @path("")
    def form_view(self, request):
        from .. import views

        return views.form_page(request, self)

    @path("done/<str:reference>/", name="done")
    def done_view(self, request, reference: str):
        from .. import views

        return views.confirmation(request, self, reference)
