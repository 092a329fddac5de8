"""Runs of the periodic jobs (deadline check, pending starts, e-mail retries)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One run of a periodic job (the deadline check), so that staff can see that it runs:
    a timer nobody watches fails silently."""

    wagtail_reference_index_ignore = True

    job = models.CharField(_("job"), max_length=50)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    handled = models.PositiveIntegerField(_("handled"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job", "-started_at"], name="periodic_run_latest")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
