"""Read-side rules of forms: who sees which submissions, and how stored answers read."""

import dataclasses
import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import selectors as grid_selectors
from grid.masking import mask_id_number, mask_name, mask_phone

from .models import FormDefinition, Submission, SubmissionFile

VIEW_PERMISSION = "forms.view_submission"
MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def visible_submissions(user: grid_selectors.User) -> QuerySet[Submission]:
    """Submissions this user may see: with the view permission, those of forms without an
    area field, and those of forms with one whose area is in the user's jurisdiction."""
    submissions = Submission.objects.all()
    if not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
        return submissions.none()
    if grid_selectors.jurisdiction_codes(user) is grid_selectors.EVERYWHERE:
        return submissions
    return submissions.filter(
        Q(is_scoped=False) | Q(area__in=grid_selectors.visible_areas(user).values("pk"))
    )


def can_see_submission(user: grid_selectors.User, submission: Submission) -> bool:
    return visible_submissions(user).filter(pk=submission.pk).exists()


def display_text(field_type: str, value: object) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return ""
    if field_type == "checkbox":
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if "code" in value:
            return f"{value.get('name', '')} ({value['code']})"
        return str(value.get("name", ""))
    if field_type == "datetime":
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def masked_text(field_type: str, personal: bool, text: str) -> str:
    if not personal:
        return text
    return MASKS.get(field_type, mask_name)(text)


@dataclasses.dataclass(frozen=True)
class Answer:
    name: str
    label: str
    type: str
    personal: bool
    value: object
    text: str
    file: SubmissionFile | None = None

    @property
    def masked(self) -> str:
        return masked_text(self.type, self.personal, self.text)


def answers(submission: Submission, files: dict[str, SubmissionFile] | None = None) -> list[Answer]:
    """The answers as submitted: the labels and types stored with them, not today's."""
    files = files or {}
    result = []
    for name, label, field_type, personal in submission.fields_snapshot:
        value = submission.form_data.get(name)
        result.append(
            Answer(
                name,
                label,
                field_type,
                personal,
                value,
                display_text(field_type, value),
                files.get(name),
            )
        )
    return result


def submission_files(submission: Submission) -> dict[str, SubmissionFile]:
    return {f.field_name: f for f in submission.files.all()}


def export_columns(
    definition: FormDefinition, submissions: QuerySet[Submission]
) -> list[tuple[str, str]]:
    """(name, heading) of a form's answer columns: its current fields in order, then fields
    that some exported submissions have and the form no longer does, under their old labels."""
    columns = [
        (field.clean_name, field.label)
        for field in definition.fields.all()
        if field.field_type != "section"
    ]
    seen = {name for name, _label in columns}
    snapshots = submissions.order_by().values_list("fields_snapshot", flat=True).distinct()
    for snapshot in snapshots.iterator():
        for name, label, *_rest in snapshot:
            if name not in seen:
                seen.add(name)
                columns.append((name, label))
    return columns


def answer_texts(submission: Submission) -> dict[str, str]:
    return {answer.name: answer.text for answer in answers(submission)}
