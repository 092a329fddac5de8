"""Write-side rules of forms, shared by the public pages, the admin, commands and the
process engine. The API, in the order a submission meets it:

- `check_field` / `check_definition`: is a definition well formed (the admin calls them);
- `build_form(definition, data, files)`: the Django form of a definition's published fields;
- `validate(...)`: the same, bound and validated on the server;
- `accept_submission(form, ...)`: store a valid submission, then run its side effects;
- `keep_uploads(form)`: hold the valid files of a form that failed validation;
- `delete_submission(submission, user=...)`: delete, with an audit entry.
"""

import dataclasses
import datetime
import logging
import random
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page, Site

from grid import clients
from grid.masking import mask_code
from grid.models import Area
from sms import services as sms_services

from . import selectors
from .builder import (
    CHOICE_TYPES,
    RESERVED_NAMES,
    TEXT_TYPES,
    FormBuilder,
    SubmissionForm,
    json_value,
    split_lines,
)
from .fields import KEPT_UPLOAD_MAX_AGE, PENDING_DIR, CheckedUpload, make_kept_token
from .models import FormDefinition, FormDefinitionField, Submission, SubmissionFile
from .signals import submission_accepted

# The text message with the reference code (sms app), for those who gave a phone.
RECEIVED = "submission_received"

logger = logging.getLogger(__name__)

# Crockford's base 32: no I, L, O or U, so a code read out over the phone is not misheard.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DELETE_ACTION = "forms.submission.delete"
EXPORT_ACTION = "forms.submission.export"
# A retention run (workflows.retention) that removed personal answers past their period.
ANONYMISE_ACTION = "forms.submission.anonymise"


def field_choices(field: FormDefinitionField) -> list[str]:
    return [value for value, _label in FormBuilder([]).get_formatted_field_choices(field) if value]


def check_field(field: FormDefinitionField) -> None:
    """The rules one field must meet on its own; raises ValidationError by model field."""
    errors: dict[str, str] = {}
    kind = field.field_type
    choices = field_choices(field)
    if kind in CHOICE_TYPES and not choices:
        errors["choices"] = _("Give the choices, one per line.")
    if kind in ("dropdown", "radio") and field.default_value and field.default_value not in choices:
        errors["default_value"] = _("The default must be one of the choices.")
    if kind == "file" and field.default_value:
        errors["default_value"] = _("A file upload cannot have a default.")
    if field.pattern:
        if kind not in TEXT_TYPES:
            errors["pattern"] = _("Only text, paragraph, email and URL fields take a pattern.")
        else:
            try:
                re.compile(field.pattern)
            except re.error as error:
                errors["pattern"] = _("This is not a valid pattern: %(error)s.") % {"error": error}
    if (field.min_value is not None or field.max_value is not None) and kind != "number":
        errors["min_value"] = _("Only number fields take a minimum and a maximum.")
    elif (
        field.min_value is not None
        and field.max_value is not None
        and field.min_value > field.max_value
    ):
        errors["max_value"] = _("The maximum must not be less than the minimum.")
    if kind == "area" and field.area_level is None:
        errors["area_level"] = _("Choose which level of area to offer.")
    if kind == "section" and field.condition_field:
        errors["condition_field"] = _(
            "A section heading cannot be conditional: make its fields conditional instead."
        )
    if errors:
        raise ValidationError(errors)


class Problem(NamedTuple):
    """A rule a definition breaks: the index of the field (None for the whole form), the
    attribute at fault and the message."""

    position: int | None
    attribute: str
    message: str


def check_definition(fields: Sequence[FormDefinitionField]) -> list[Problem]:
    """Rules across the fields, in their order: names, and conditions that must name an
    earlier field and, for fields with choices, answers among those choices."""
    problems: list[Problem] = []
    names: set[str] = set()
    earlier: dict[str, FormDefinitionField] = {}
    for index, field in enumerate(fields):
        condition = field.condition_field.strip()
        if condition:
            problems += condition_problems(index, field, earlier.get(condition), condition)
        if field.field_type == "section":
            continue
        name = field.clean_name or field.get_field_clean_name()
        if not name:
            message = _("This label has no letters or digits to name the field by: add some.")
        elif name in RESERVED_NAMES:
            message = _("This label is reserved: choose another.")
        elif name in names:
            message = _("Another field has this label, or one that reads the same.")
        else:
            message = ""
        if message:
            problems.append(Problem(index, "label", message))
        names.add(name)
        earlier[field.label.strip()] = field
    if not earlier:
        problems.append(Problem(None, "", _("Add at least one field that asks for an answer.")))
    return problems


def condition_problems(
    index: int, field: FormDefinitionField, controller: FormDefinitionField | None, label: str
) -> list[Problem]:
    if controller is None:
        return [
            Problem(
                index,
                "condition_field",
                _("No field above this one has the label “%(label)s”.") % {"label": label},
            )
        ]
    values = split_lines(field.condition_values)
    if not values:
        return []
    if controller.field_type not in CHOICE_TYPES:
        return [
            Problem(
                index,
                "condition_values",
                _(
                    "“%(label)s” has no choices: leave the answers empty to show this field "
                    "whenever it is answered."
                )
                % {"label": label},
            )
        ]
    unknown = [value for value in values if value not in field_choices(controller)]
    if unknown:
        return [
            Problem(
                index,
                "condition_values",
                _("Not among the choices of “%(label)s”: %(values)s.")
                % {"label": label, "values": ", ".join(unknown)},
            )
        ]
    return []


def build_form(
    definition: FormDefinition,
    data: Mapping | None = None,
    files: Mapping | None = None,
    *,
    area_root: Area | None = None,
    initial: Mapping | None = None,
) -> SubmissionForm:
    """The Django form of a definition's fields as stored (its published version), unbound
    without data. `data` may be a request's POST or a plain mapping (e.g. a JSON body): lists
    are multiple values, anything else is read as text. `area_root` limits area choosers to
    that area's subtree."""
    form_class = FormBuilder(definition.fields.all(), area_root=area_root).get_form_class()
    if data is not None:
        data = multi_value(data, as_text=True)
        files = multi_value(files or {}, as_text=False)
    form = form_class(data, files, initial=initial)
    form.definition = definition
    return form


def multi_value(data: Mapping, *, as_text: bool) -> MultiValueDict:
    if isinstance(data, MultiValueDict):
        return data
    result: MultiValueDict = MultiValueDict()
    for key, value in data.items():
        items = value if isinstance(value, list | tuple) else [value]
        result.setlist(str(key), [("" if v is None else str(v)) if as_text else v for v in items])
    return result


def validate(
    definition: FormDefinition,
    data: Mapping,
    files: Mapping | None = None,
    *,
    area_root: Area | None = None,
) -> SubmissionForm:
    """Bind and validate on the server; check `form.is_valid()` / `form.errors`."""
    form = build_form(definition, data, files or {}, area_root=area_root)
    form.is_valid()
    return form


def new_reference(rng: random.Random | None = None) -> str:
    """A reference code such as 7K3M-9QXP-2D4F: 60 random bits, easy to read out."""
    rng = rng or secrets.SystemRandom()
    chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def unused_reference(rng: random.Random | None = None) -> str:
    while True:
        reference = new_reference(rng)
        if not Submission.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def store_submission(
    form: SubmissionForm,
    *,
    page: Page | None = None,
    user: Account | AnonymousUser | None = None,
    site: Site | None = None,
    rng: random.Random | None = None,
) -> Submission:
    """Store a valid form's answers with their labels and types as they are now, and its files
    in private storage. `site` is the Wagtail site the submitter used: what is sent to them
    later links there."""
    if not form.is_valid():
        raise ValidationError(_("Only a valid form can be stored."))
    definition = form.definition
    assert definition is not None  # a valid form is built from a definition
    answered = form.answered()
    areas = [value for spec, value in answered if spec.type == "area" and value]
    emails = [value for spec, value in answered if spec.type == "email" and value]
    submission = Submission(
        definition=definition,
        definition_revision_id=definition.live_revision_id,
        page=page,
        site=site,
        user=user if user is not None and user.is_authenticated else None,
        reference=unused_reference(rng),
        **answer_fields(answered),
        area=areas[0] if areas else None,
        is_scoped=any(spec.type == "area" for spec in form.input_specs),
        email=emails[0] if emails else "",
        email_status=Submission.EmailStatus.PENDING if emails else Submission.EmailStatus.NONE,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    submission.search_text = selectors.search_text(submission)
    submission.save()
    kept_paths = []
    for spec, value in answered:
        for upload in uploads_of(value):
            store_file(submission, spec.name, upload)
            if upload.pending_path:
                kept_paths.append(upload.pending_path)
    transaction.on_commit(lambda: delete_files(kept_paths), robust=True)
    return submission


def answer_fields(answered: list) -> dict:
    """A submission's answers, and their labels and types as they are now."""
    return {
        "form_data": {spec.name: json_value(value) for spec, value in answered},
        "fields_snapshot": [[s.name, s.label, s.type, s.personal] for s, _value in answered],
    }


def replace_answers(submission: Submission, form: SubmissionForm) -> None:
    """Store a valid form's answers in place of a submission's: for forms without files,
    whose earlier answers their caller keeps (a return's amended filing)."""
    if not form.is_valid():
        raise ValidationError(_("Only a valid form can be stored."))
    for name, value in answer_fields(form.answered()).items():
        setattr(submission, name, value)
    submission.search_text = selectors.search_text(submission)
    submission.save(update_fields=["form_data", "fields_snapshot", "search_text"])


def store_file(submission: Submission, field_name: str, upload: CheckedUpload) -> SubmissionFile:
    stored = SubmissionFile(
        submission=submission,
        field_name=field_name,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
    )
    handle = upload.open()
    try:
        stored.file.save(f"{uuid.uuid4().hex}.{upload.extension}", File(handle), save=False)
    finally:
        if upload.pending_path:
            handle.close()
    stored.save()
    return stored


def accept_submission(
    form: SubmissionForm,
    *,
    page: Page | None = None,
    user: Account | AnonymousUser | None = None,
    site: Site | None = None,
) -> Submission:
    """Accept a valid submission: store it first (committed), then run the side effects, so
    that a failing side effect never loses what was typed. Side effects run after the commit
    and record their own failures (the confirmation email's status is kept on the
    submission and retried by `retry_form_emails`); receivers of `submission_accepted`
    (the process engine) run after the commit too."""
    submission = store_submission(form, page=page, user=user, site=site)
    transaction.on_commit(
        lambda: submission_accepted.send(sender=Submission, submission=submission), robust=True
    )
    if phone := selectors.submitter_phone(submission):
        transaction.on_commit(lambda: send_confirmation_sms(submission, phone), robust=True)
    if submission.email:
        from .tasks import send_confirmation  # the task module imports this one

        # Robust: a queue that cannot be reached is logged and the email stays pending for
        # retry_form_emails, instead of turning a stored submission into an error page.
        transaction.on_commit(lambda: send_confirmation.enqueue(submission.pk), robust=True)
    return submission


def uploads_of(value: object) -> list[CheckedUpload]:
    """The checked files of one answer: none, one, or those of a field taking several."""
    if isinstance(value, CheckedUpload):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, CheckedUpload)]
    return []


def keep_uploads(form: SubmissionForm) -> None:
    """After a failed validation, hold each file that passed its own checks in private storage
    and give the form a signed token for it, so that the submitter need not choose it again."""
    storage = storages["private"]
    for name, value in getattr(form, "cleaned_data", {}).items():
        kept = []
        for upload in uploads_of(value):
            if not upload.pending_path:
                path = storage.save(
                    f"{PENDING_DIR}/{uuid.uuid4().hex}.{upload.extension}", File(upload.open())
                )
                upload = dataclasses.replace(upload, pending_path=path, file=None)
                upload = dataclasses.replace(upload, token=make_kept_token(upload, name))
            kept.append(upload)
        if kept:
            form.kept[name] = kept


def clear_pending_uploads(now: datetime.datetime | None = None) -> int:
    """Delete kept uploads older than their tokens' lifetime; returns how many."""
    storage = storages["private"]
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=KEPT_UPLOAD_MAX_AGE)
    try:
        _dirs, names = storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    old = [
        f"{PENDING_DIR}/{n}"
        for n in names
        if storage.get_modified_time(f"{PENDING_DIR}/{n}") < cutoff
    ]
    delete_files(old)
    return len(old)


def delete_files(paths: Sequence[str]) -> None:
    storage = storages["private"]
    for path in paths:
        storage.delete(path)


def delete_submission(submission: Submission, *, user: Account | None) -> None:
    """Delete a submission and its files, leaving an audit entry (no answers in it)."""
    paths = [f.file.name for f in submission.files.all()]
    with transaction.atomic():
        log(
            instance=submission,
            action=DELETE_ACTION,
            user=user,
            title=mask_code(submission.reference),
            data={
                "form": submission.definition.title,
                "reference": mask_code(submission.reference),
                "area": submission.area.code if submission.area else "",
                "submitted_at": submission.submit_time.isoformat(),
            },
        )
        submission.delete()
        transaction.on_commit(lambda: delete_files(paths), robust=True)


def log_export(
    definitions: Sequence[FormDefinition], *, user: Account, count: int, file_format: str
) -> None:
    """Exports carry personal data out of the system: each one is on the audit log."""
    for definition in definitions:
        log(
            instance=definition,
            action=EXPORT_ACTION,
            user=user,
            data={"count": count, "format": file_format},
        )


def send_confirmation_sms(submission: Submission, phone: str) -> None:
    """Text the reference code to the phone given, when the platform has a template for it:
    many residents give a phone and no e-mail."""
    sms_services.send_sms(
        phone,
        RECEIVED,
        {"reference": submission.reference, "title": submission.definition.title},
    )


def send_confirmation_email(submission: Submission) -> bool:
    """Email the reference code (never the answers) to the address given; record the outcome
    on the submission so that a failure is visible in the admin and retried."""
    with translation.override(submission.language or settings.LANGUAGE_CODE):
        context = {
            "submission": submission,
            "definition": submission.definition,
            "thank_you": strip_tags(submission.definition.thank_you_text).strip(),
            "tracking_link": selectors.tracking_link(submission),
            "page_link": selectors.page_link(submission),
        }
        subject = _("Your reference code %(reference)s: %(title)s") % {
            "reference": submission.reference,
            "title": submission.definition.title,
        }
        body = render_to_string("forms/email/confirmation.txt", context)
    submission.email_attempts += 1
    try:
        send_mail(subject, body, None, [submission.email], fail_silently=False)
    except Exception as error:  # any transport failure: record it, report it, retry later
        logger.exception("Confirmation email for submission %s failed", submission.reference)
        submission.email_status = Submission.EmailStatus.FAILED
        submission.email_error = f"{type(error).__name__}: {error}"[:500]
        submission.save(update_fields=["email_status", "email_error", "email_attempts"])
        return False
    submission.email_status = Submission.EmailStatus.SENT
    submission.email_error = ""
    submission.save(update_fields=["email_status", "email_error", "email_attempts"])
    return True


def retry_confirmation_emails(*, older_than: datetime.timedelta) -> tuple[int, int, int]:
    """Send again the confirmations that failed, or that a queue never picked up; returns
    (sent, failed, given up: attempts exhausted)."""
    due = Submission.objects.filter(
        email_status__in=[Submission.EmailStatus.PENDING, Submission.EmailStatus.FAILED],
        submit_time__lt=timezone.now() - older_than,
    ).select_related("definition")
    sent = failed = 0
    for submission in due.filter(email_attempts__lt=settings.FORMS_EMAIL_MAX_ATTEMPTS):
        if send_confirmation_email(submission):
            sent += 1
        else:
            failed += 1
    given_up = due.filter(email_attempts__gte=settings.FORMS_EMAIL_MAX_ATTEMPTS).count()
    return sent, failed, given_up


def allow_attempt(client: str) -> bool:
    """Count one public submission attempt for this client; False once the configured limit
    (FORMS_RATE_LIMIT_COUNT per FORMS_RATE_LIMIT_WINDOW) is passed."""
    return clients.allow(
        "forms", client, settings.FORMS_RATE_LIMIT_COUNT, settings.FORMS_RATE_LIMIT_WINDOW
    )
