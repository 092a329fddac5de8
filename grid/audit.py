"""Every create, change and delete of personal data lands in Wagtail's audit log, whatever path
the change took (admin, import, shell), with the acting user from Wagtail's log context.
The log records which fields changed and masked values, never the personal data itself."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from .masking import mask_id_number, mask_name, mask_phone
from .models import Resident

CREATE = "grid.personal_data.create"
CHANGE = "grid.personal_data.change"
DELETE = "grid.personal_data.delete"
IMPORT = "grid.registry.import"
EXPORT = "grid.registry.export"
ACTIONS = {
    CREATE: (_("Create personal data"), _("Personal data created")),
    CHANGE: (_("Change personal data"), _("Personal data changed")),
    DELETE: (_("Delete personal data"), _("Personal data deleted")),
    IMPORT: (_("Import registry file"), _("Registry file imported")),
    EXPORT: (_("Export registry"), _("Registry exported")),
}
MASKS = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone}
PERSONAL_DATA_MODELS: tuple[type[Model], ...] = (Resident,)


def masked(field: str, value: str | None) -> str:
    return MASKS.get(field, mask_name)(value or "")


def title(instance: Model) -> str:
    return f"{instance._meta.verbose_name} {mask_name(getattr(instance, 'name', ''))}"


def remember_previous(sender: type[Model], instance: Model, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    instance._personal_data_before = (
        sender._default_manager.filter(pk=instance.pk).values(*sender.personal_fields).first()
        if instance.pk
        else None
    )


def personal_data_changes(instance: Model, before: dict | None) -> dict[str, list[str]]:
    """Masked [before, after] of each personal field that a save changes (or sets, on create)."""
    return {
        field: [masked(field, before.get(field)) if before else "", masked(field, value)]
        for field in type(instance).personal_fields
        if (value := getattr(instance, field)) != (before or {}).get(field)
        and (before is not None or value)
    }


def entry_data(changes: dict[str, list[str]]) -> dict:
    return {"fields": sorted(changes), "changes": changes}


def log_save(sender: type[Model], instance: Model, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    before = None if created else getattr(instance, "_personal_data_before", None)
    changes = personal_data_changes(instance, before)
    if not changes:
        return
    log(
        instance=instance,
        action=CREATE if before is None else CHANGE,
        title=title(instance),
        data=entry_data(changes),
    )


def bulk_entries(
    saved: list[tuple[Model, dict | None]], *, user, log_uuid: uuid.UUID
) -> list[ModelLogEntry]:
    """The entries `log_save` would write for records saved in bulk (bulk_create and
    bulk_update send no signals): each record with its personal fields before the save, or
    None for a created record."""
    timestamp = timezone.now()
    entries = []
    for instance, before in saved:
        changes = personal_data_changes(instance, before)
        if changes:
            entries.append(
                ModelLogEntry(
                    content_type=ContentType.objects.get_for_model(instance),
                    label=title(instance),
                    action=CREATE if before is None else CHANGE,
                    data=entry_data(changes),
                    timestamp=timestamp,
                    uuid=log_uuid,
                    user=user,
                    object_id=str(instance.pk),
                )
            )
    return entries


def log_delete(sender: type[Model], instance: Model, **kwargs) -> None:
    log(instance=instance, action=DELETE, title=title(instance), data={"fields": []})


def connect() -> None:
    for model in PERSONAL_DATA_MODELS:
        pre_save.connect(remember_previous, sender=model, dispatch_uid=f"audit-pre-{model}")
        post_save.connect(log_save, sender=model, dispatch_uid=f"audit-post-{model}")
        post_delete.connect(log_delete, sender=model, dispatch_uid=f"audit-del-{model}")
