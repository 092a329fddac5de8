"""Form fields for the types Wagtail's form builder lacks: Chinese ID numbers and phones (with
the registry's validators), an area chooser over the registry, and checked private uploads."""

import dataclasses
import itertools
import json
from collections.abc import Iterable

import filetype
from django import forms
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from grid.models import Area
from grid.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone


@dataclasses.dataclass(frozen=True)
class FileKind:
    label: Promise
    # Extensions as filetype names what it finds in a file's first bytes.
    extensions: tuple[str, ...]


FILE_KINDS: dict[str, FileKind] = {
    "image": FileKind(
        _("Photos (JPEG, PNG, GIF, WebP, HEIC)"), ("jpg", "png", "gif", "webp", "heic")
    ),
    "pdf": FileKind(_("PDF documents"), ("pdf",)),
    "office": FileKind(
        _("Office documents (Word, Excel, PowerPoint, OpenDocument)"),
        ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp"),
    ),
    "video": FileKind(_("Videos (MP4, MOV, 3GP, WebM)"), ("mp4", "mov", "3gp", "webm")),
    "audio": FileKind(
        _("Voice recordings (MP3, M4A, AMR, AAC, WAV)"), ("mp3", "m4a", "amr", "aac", "wav")
    ),
}
DEFAULT_FILE_KINDS = ("image", "pdf")
# Bytes filetype needs to recognise every kind above (Office formats are zip files whose first
# member's name says which).
SNIFF_BYTES = 8192
KEPT_UPLOAD_SALT = "forms.kept-upload"
# How many files one answer of a file field may carry at most (photos of a scene).
MAX_FILES = 10
KEPT_UPLOAD_MAX_AGE = 24 * 60 * 60
PENDING_DIR = "pending"


class FileKindsFormField(forms.MultipleChoiceField):
    """Ticks in the admin, stored as one comma-separated value."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return [v for v in value.split(",") if v] if isinstance(value, str) else value

    def clean(self, value) -> str:
        return ",".join(super().clean(value))

    def has_changed(self, initial, data) -> bool:
        return set(self.prepare_value(initial or "")) != set(data or [])


class FileKindsField(models.CharField):
    """The kinds of file an upload field accepts, stored comma-separated."""

    def formfield(self, **kwargs):
        return FileKindsFormField(
            choices=[(key, kind.label) for key, kind in FILE_KINDS.items()],
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
        )

    def validate(self, value, model_instance) -> None:
        super().validate(value, model_instance)
        unknown = [v for v in (value or "").split(",") if v and v not in FILE_KINDS]
        if unknown:
            raise ValidationError(
                _("Unknown file types: %(types)s."), params={"types": ", ".join(unknown)}
            )


class IDNumberField(forms.CharField):
    default_validators = [validate_id_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        value = super().to_python(value)
        return normalize_id_number(value) if value else value


class PhoneField(forms.CharField):
    default_validators = [validate_phone]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        value = super().to_python(value)
        return normalize_phone(value) if value else value


class AreaChoiceField(forms.ChoiceField):
    """Areas of one level of the registry, grouped by their parent; cleans to the Area."""

    def __init__(self, *, level: int, within: Area | None = None, **kwargs):
        areas = Area.objects.filter(level=level).select_related("parent").order_by("code")
        if within is not None:
            areas = areas.within(within)
        self.areas = {area.code: area for area in areas}
        groups = [
            (parent.name if parent else "", [(area.code, area.name) for area in members])
            for parent, members in itertools.groupby(self.areas.values(), lambda a: a.parent)
        ]
        super().__init__(choices=[("", _("Choose…")), *groups], **kwargs)
        if self.required and len(self.areas) == 1 and not self.initial:
            # A page limited to one community offers only that one: nothing to choose.
            self.initial = next(iter(self.areas))

    def clean(self, value) -> Area | None:
        code = super().clean(value)
        return self.areas.get(code)


@dataclasses.dataclass(frozen=True)
class CheckedUpload:
    """An upload whose size and content type have been checked. A kept upload has already been
    written to private storage (under pending/) and carries the token that names it."""

    name: str
    size: int
    extension: str
    content_type: str
    file: object = None
    pending_path: str = ""
    token: str = ""

    def open(self):
        if self.pending_path:
            return storages["private"].open(self.pending_path, "rb")
        self.file.seek(0)
        return self.file


class KeptToken(str):
    """The signed name of an upload kept from an earlier attempt, as posted back."""


def file_kinds(keys: Iterable[str]) -> list[FileKind]:
    return [FILE_KINDS[key] for key in keys if key in FILE_KINDS]


def clean_file_name(name: str) -> str:
    """The submitter's file name, made safe to show and to offer as a download name."""
    try:
        return get_valid_filename("".join(c for c in name if c.isprintable()))[-200:]
    except SuspiciousFileOperation:
        return "upload"


KEPT_FIELDS = ("name", "size", "extension", "content_type", "pending_path")


def make_kept_token(upload: CheckedUpload, field_name: str) -> str:
    """A signed note of an upload held in pending storage, bound to its field."""
    kept = {key: getattr(upload, key) for key in KEPT_FIELDS}
    return signing.dumps({"field": field_name, **kept}, salt=KEPT_UPLOAD_SALT)


class UploadInput(forms.FileInput):
    """A file input that also reads back the token of an upload kept from an earlier attempt."""

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload:
            return upload
        token = data.get(f"{name}-kept")
        return KeptToken(token) if isinstance(token, str) and token else None


class UploadsInput(UploadInput):
    """Several files at once; files chosen replace those kept from an earlier attempt."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        chosen = [upload for upload in files.getlist(name) if upload] if files else []
        if files and not hasattr(files, "getlist"):  # a plain mapping: one file or a list
            given = files.get(name)
            chosen = [
                upload for upload in (given if isinstance(given, list) else [given]) if upload
            ]
        if chosen:
            return chosen
        tokens = data.getlist(f"{name}-kept") if hasattr(data, "getlist") else []
        return [KeptToken(token) for token in tokens if isinstance(token, str) and token]


class UploadField(forms.FileField):
    widget = UploadInput

    def __init__(self, *, kinds: Iterable[str], max_mb: int, name: str, max_files: int = 1, **kw):
        self.kinds = tuple(kinds) or DEFAULT_FILE_KINDS
        self.max_bytes = max_mb * 1024 * 1024
        self.max_mb = max_mb
        self.max_files = max_files
        self.field_name = name
        super().__init__(widget=UploadsInput if max_files > 1 else UploadInput, **kw)
        # Hidden behind a label in the page's language (forms/includes/field.html).
        self.widget.attrs["class"] = "upload-input"
        self.widget.attrs["accept"] = ",".join(
            f".{ext}" for kind in file_kinds(self.kinds) for ext in kind.extensions
        )

    @property
    def allowed_extensions(self) -> set[str]:
        return {ext for kind in file_kinds(self.kinds) for ext in kind.extensions}

    def clean(self, data, initial=None) -> CheckedUpload | list[CheckedUpload] | None:
        if self.max_files == 1:
            return self.clean_one(data, initial)
        if not data and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(data or []) > self.max_files:
            raise ValidationError(
                _("Choose at most %(count)d files."),
                code="too_many_files",
                params={"count": self.max_files},
            )
        checked, errors = [], []
        for item in data or []:
            try:
                checked.append(self.clean_one(item, initial))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return [upload for upload in checked if upload is not None]

    def clean_one(self, data, initial=None) -> CheckedUpload | None:
        if isinstance(data, KeptToken):
            return self.clean_kept(data)
        upload = super().clean(data, initial)
        if not upload:
            return None
        name = clean_file_name(upload.name or "")
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("“%(name)s” is %(size)s MB; files may be at most %(max)d MB."),
                code="file_too_large",
                params={
                    "name": name,
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "max": self.max_mb,
                },
            )
        upload.seek(0)
        guessed = filetype.guess(upload.read(SNIFF_BYTES))
        upload.seek(0)
        if guessed is None or guessed.extension not in self.allowed_extensions:
            raise ValidationError(
                _("“%(name)s” is not one of the allowed kinds of file: %(kinds)s."),
                code="file_type",
                params={
                    "name": name,
                    "kinds": "; ".join(str(kind.label) for kind in file_kinds(self.kinds)),
                },
            )
        return CheckedUpload(
            name=name,
            size=upload.size,
            extension=guessed.extension,
            content_type=guessed.mime,
            file=upload,
        )

    def clean_kept(self, token: str) -> CheckedUpload:
        try:
            kept = signing.loads(token, salt=KEPT_UPLOAD_SALT, max_age=KEPT_UPLOAD_MAX_AGE)
        except signing.BadSignature:
            kept = None
        if (
            not isinstance(kept, dict)
            or kept.pop("field", None) != self.field_name
            or set(kept) != set(KEPT_FIELDS)
            or not storages["private"].exists(kept["pending_path"])
        ):
            raise ValidationError(
                _("The file you chose earlier is no longer available: please choose it again."),
                code="file_expired",
            )
        return CheckedUpload(**kept, token=token)

    def bound_data(self, data, initial):
        return data

    def has_changed(self, initial, data) -> bool:
        return bool(data)


@dataclasses.dataclass(frozen=True)
class FormatPreset:
    """A common answer format an admin picks by name instead of writing a pattern."""

    key: str
    label: Promise
    pattern: str
    message: Promise


FORMAT_PRESETS = (
    FormatPreset("postcode", _("Postcode"), r"\d{6}", _("Enter a postcode of 6 digits.")),
    FormatPreset(
        "licence_plate",
        _("Licence plate"),
        r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
        r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警]",
        _("Enter a licence plate such as 皖G12345."),
    ),
    FormatPreset(
        "house_number",
        _("House number (building-unit-room)"),
        r"\d{1,4}(-\d{1,4}){0,2}",
        _("Enter the building, unit and room as 3-2-501."),
    ),
    FormatPreset(
        "credit_code",
        _("Unified social credit code"),
        r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}",
        _("Enter the 18 characters of a unified social credit code."),
    ),
)


class PatternInput(forms.TextInput):
    """The pattern of a text field, offered in the form editor as common formats to choose by
    name (field_editor.js); the pattern itself is written only for a custom format."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        presets = [
            {"key": p.key, "label": str(p.label), "pattern": p.pattern, "message": str(p.message)}
            for p in FORMAT_PRESETS
        ]
        context["widget"]["attrs"]["data-format-presets"] = json.dumps(presets, ensure_ascii=False)
        context["widget"]["attrs"]["data-format-labels"] = json.dumps(
            {
                "label": str(_("Format")),
                "none": str(_("Any text")),
                "custom": str(_("Custom pattern (advanced)")),
            },
            ensure_ascii=False,
        )
        return context


class ConditionFieldInput(forms.TextInput):
    """The earlier field a field is shown on: field_editor.js offers the fields above it."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-none"] = str(_("— always shown —"))
        return context
