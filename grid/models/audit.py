"""The audit log of personal-data records (residents, households, volunteers): a log of its own
beside Wagtail's, registered with Wagtail's log registry, so the record histories and the site
history report read it like any other log.

Its own table because a large registry import writes one entry per member it creates or
changes: Wagtail's table for every other model carries eleven indexes (for its page and report
queries) and writing into them cost an import a third of its time. This table keeps the four
its readers use: a record's history, the report by time, by person and by area."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import BaseLogEntry
from wagtail.models.audit_log import ModelLogEntryManager

from .registers import Household, Resident
from .volunteers import Volunteer

# The records whose every entry goes to this log.
RECORDS: tuple[type[models.Model], ...] = (Resident, Household, Volunteer)


class PersonalDataLogManager(ModelLogEntryManager):
    """Wagtail's manager of its model log (an entry's record by its key, a record's history),
    with the area code as a column and who may read which entries."""

    def log_action(self, instance, action, **kwargs):
        # The area code travels in the entry's data, as in every other audit entry; here it is
        # a column, so the report scopes entries by an index.
        data = dict(kwargs.pop("data", None) or {})
        return super().log_action(instance, action, area=data.pop("area", ""), data=data, **kwargs)

    def viewable_by_user(self, user):
        """Entries about the kinds of record the user holds any permission on, as Wagtail's
        logs decide. (Wagtail's own answer is cached on the user from whichever log it asks
        first, which need not hold these records.)"""
        if user.is_superuser:
            return self.all()
        # The report asks once for its rows and once for each filter's choices.
        if not hasattr(user, "_personal_data_log_types"):
            content_types = ContentType.objects.get_for_models(*RECORDS).values()
            permissions = Permission.objects.filter(content_type__in=content_types).select_related(
                "content_type"
            )
            user._personal_data_log_types = {
                permission.content_type_id
                for permission in permissions
                if user.has_perm(f"{permission.content_type.app_label}.{permission.codename}")
            }
        return self.filter(content_type_id__in=user._personal_data_log_types)


class PersonalDataLogEntry(BaseLogEntry):
    object_id = models.CharField(max_length=255)
    area = models.CharField(
        _("area code"),
        max_length=15,
        blank=True,
        help_text=_("The code of the record's area: the report shows the entry inside it."),
    )
    # Indexed in Wagtail's log for its own reports; here no reader filters on them alone.
    action = models.CharField(max_length=255, blank=True)
    content_changed = models.BooleanField(default=False)
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    content_type = models.ForeignKey(
        ContentType,
        models.SET_NULL,
        verbose_name=_("content type"),
        blank=True,
        null=True,
        db_index=False,
        related_name="+",
    )

    objects = PersonalDataLogManager()
    records = RECORDS

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = _("personal-data log entry")
        verbose_name_plural = _("personal-data log entries")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="grid_pdlog_record"),
            models.Index(
                fields=["area"], name="grid_pdlog_area", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_verbose_name} {self.object_id}"
