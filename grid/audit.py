"""Every create, change and delete of personal data lands in the audit log, whatever path the
change took (admin, import, shell), with the acting user from Wagtail's log context. The log
records which fields changed and masked values, never the personal data itself. Entries about
residents, households and volunteers go to a log of their own (`PersonalDataLogEntry`, which
Wagtail's registry routes them to); the rest, views of submissions and processes among them,
to Wagtail's `ModelLogEntry`."""

import uuid
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring as json_string

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from . import bulk, selectors
from .masking import mask_id_number, mask_name, mask_phone
from .models import Area, Household, PersonalDataLogEntry, Resident, Tag, Volunteer

CREATE = "grid.personal_data.create"
CHANGE = "grid.personal_data.change"
DELETE = "grid.personal_data.delete"
VIEW = "grid.personal_data.view"
IMPORT = "grid.registry.import"
EXPORT = "grid.registry.export"
ACTIONS = {
    CREATE: (_("Create personal data"), _("Personal data created")),
    CHANGE: (_("Change personal data"), _("Personal data changed")),
    DELETE: (_("Delete personal data"), _("Personal data deleted")),
    VIEW: (_("View personal data"), _("Personal data viewed in full")),
    IMPORT: (_("Import registry file"), _("Registry file imported")),
    EXPORT: (_("Export registry"), _("Registry exported")),
}
MASKS = {"name": mask_name, "id_number": mask_id_number, "phone": mask_phone}
PERSONAL_DATA_MODELS: tuple[type[Model], ...] = (Resident, Volunteer)
# Where each personal-data record is: its entries carry that area's code, and the audit report
# shows an entry only to people whose jurisdiction holds it (`visible_entries`).
AREA_PATHS = {
    Resident: "household__building__grid",
    Volunteer: "community",
    Household: "building__grid",
}


def area_code(instance: Model) -> str:
    area = instance
    try:
        for step in AREA_PATHS[type(instance)].split("__"):
            area = getattr(area, step)
    except ObjectDoesNotExist:
        return ""
    return area.code if area is not None else ""


def visible_entries(entries: QuerySet, user: AbstractBaseUser) -> QuerySet:
    """The audit entries (of either log) a user may read: everything for platform admins;
    otherwise their own actions and the entries about records in their jurisdiction."""
    codes = selectors.jurisdiction_codes(user)
    if codes is selectors.EVERYWHERE:
        return entries
    area = "area" if entries.model is PersonalDataLogEntry else "data__area"
    inside = Q(pk__in=[])
    for code in codes:
        inside |= Q(**{f"{area}__startswith": code})
    return entries.filter(Q(user=user) | inside)


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


def personal_data_changes(fields: Sequence[str], after: dict, before: dict | None) -> dict:
    """Masked [before, after] of each personal field that a save changes (or sets, on create)."""
    return {
        field: [masked(field, before.get(field)) if before else "", masked(field, value)]
        for field in fields
        if (value := after.get(field)) != (before or {}).get(field)
        and (before is not None or value)
    }


def entry_data(changes: dict[str, list[str]]) -> dict:
    return {"fields": sorted(changes), "changes": changes}


def entry_json(changes: dict[str, list[str]]) -> str:
    """`entry_data` as the JSON text `json.dumps(..., ensure_ascii=False)` writes, spelt out:
    an import writes one per member, and the encoder's general path took twice as long."""
    fields = ", ".join(map(json_string, sorted(changes)))
    pairs = ", ".join(
        f"{json_string(field)}: [{json_string(before)}, {json_string(after)}]"
        for field, (before, after) in changes.items()
    )
    return f'{{"fields": [{fields}], "changes": {{{pairs}}}}}'


def log_save(sender: type[Model], instance: Model, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    before = None if created else getattr(instance, "_personal_data_before", None)
    fields = sender.personal_fields
    changes = personal_data_changes(
        fields, {field: getattr(instance, field) for field in fields}, before
    )
    if not changes:
        return
    log(
        instance=instance,
        action=CREATE if before is None else CHANGE,
        title=title(instance),
        data={**entry_data(changes), "area": area_code(instance)},
    )


LOG_FIELDS = (
    "content_type",
    "label",
    "action",
    "data",
    "timestamp",
    "uuid",
    "user",
    "content_changed",
    "deleted",
    "object_id",
    "area",
)


def bulk_entries(
    model: type[Model],
    saved: Iterable[tuple[int, dict, dict | None, str]],
    *,
    user: AbstractBaseUser | None,
    log_uuid: uuid.UUID,
) -> list[tuple]:
    """The entries `log_save` would write for records saved in bulk (which sends no signals),
    as rows for `write_entries`: from each record's primary key, its personal fields after the
    save and before it (None for a created record), and the code of its area (which the
    caller knows: asking the database for it again cost an import a fifth of its time)."""
    opts = PersonalDataLogEntry._meta
    database = connections[DEFAULT_DB_ALIAS]
    prepared = {
        name: opts.get_field(name).get_db_prep_save(value, database)
        for name, value in (("timestamp", timezone.now()), ("uuid", log_uuid))
    }
    content_type = ContentType.objects.get_for_model(model).pk
    verbose_name = str(model._meta.verbose_name)
    rows = []
    for pk, after, before, area in saved:
        changes = personal_data_changes(model.personal_fields, after, before)
        if not changes:
            continue
        rows.append(
            (
                content_type,
                f"{verbose_name} {mask_name(after.get('name'))}",
                CREATE if before is None else CHANGE,
                # JSON text, which both databases store as the JSON field's value.
                entry_json(changes),
                prepared["timestamp"],
                prepared["uuid"],
                user.pk if user is not None else None,
                False,
                False,
                str(pk),
                area,
            )
        )
    return rows


def write_entries(rows: list[tuple]) -> None:
    bulk.insert(PersonalDataLogEntry, LOG_FIELDS, rows)


def log_view(
    instance: Model, *, user: AbstractBaseUser, area: Area | None, page: str, label: str = ""
) -> None:
    """Someone was shown a record's personal data unmasked (an ID number, a phone, a name):
    who, which record, when, on which page, and the record's area (for scoping the report).
    `label` names the record where its own name would give the data away."""
    log(
        instance=instance,
        action=VIEW,
        user=user,
        title=label or title(instance),
        data={"page": page, "area": area.code if area is not None else ""},
    )


def log_delete(sender: type[Model], instance: Model, **kwargs) -> None:
    log(
        instance=instance,
        action=DELETE,
        title=title(instance),
        data={"fields": [], "area": area_code(instance)},
    )


def log_sensitive_tags(sender, instance: Model, action: str, pk_set, **kwargs) -> None:
    """A sensitive tag (low income, disability) put on or taken off a household or resident
    is personal data changed: logged as such, without naming the tag. Imports write tags in
    bulk and are logged as the import."""
    if action not in ("post_add", "post_remove", "pre_clear") or not isinstance(
        instance, (Household, Resident)
    ):
        return
    if action == "pre_clear":
        pk_set = set(instance.tags.values_list("pk", flat=True))
    if not pk_set or not Tag.objects.filter(pk__in=pk_set, sensitive=True).exists():
        return
    label = title(instance) if isinstance(instance, Resident) else str(instance)
    log(
        instance=instance,
        action=CHANGE,
        title=label,
        data={"fields": ["tags"], "area": area_code(instance)},
    )


def connect() -> None:
    for model in (Household, Resident):
        m2m_changed.connect(
            log_sensitive_tags, sender=model.tags.through, dispatch_uid=f"audit-tags-{model}"
        )
    for model in PERSONAL_DATA_MODELS:
        pre_save.connect(remember_previous, sender=model, dispatch_uid=f"audit-pre-{model}")
        post_save.connect(log_save, sender=model, dispatch_uid=f"audit-post-{model}")
        post_delete.connect(log_delete, sender=model, dispatch_uid=f"audit-del-{model}")
