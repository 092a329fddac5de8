"""The page that starts a process: the workflows side of a form page."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from forms.models import FormPage

from .definitions import ProcessDefinition


class ProcessPage(FormPage):
    """A form page whose every submission starts a process. The editor chooses the process;
    the page offers the process's intake form."""

    process = models.ForeignKey(
        ProcessDefinition,
        verbose_name=_("process"),
        on_delete=models.PROTECT,
        related_name="pages",
        help_text=_("Each submission from this page starts this process."),
    )

    content_panels = [*Page.content_panels, FieldPanel("process"), FieldPanel("area")]
    template = FormPage.template

    class Meta:
        verbose_name = _("process page")

    def full_clean(self, *args, **kwargs) -> None:
        # The form follows from the process, before the page's fields are checked.
        if self.process_id:
            self.definition_id = self.process.intake_form_id
        super().full_clean(*args, **kwargs)
