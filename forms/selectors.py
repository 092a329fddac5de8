"""Read-side rules of forms: who sees which submissions, and how stored answers read."""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from grid import selectors as grid_selectors
from grid.masking import mask_email, mask_id_number, mask_name, mask_phone
from grid.models import Area

from . import signals
from .models import FormDefinition, Submission, SubmissionFile

VIEW_PERMISSION = "forms.view_submission"
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "email": mask_email}


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
        return ", ".join(display_text(field_type, v) for v in value)
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


# ID numbers, phones and e-mail addresses are personal data whatever the form designer ticked.
ALWAYS_PERSONAL = ("id_number", "phone", "email")


def is_personal(field_type: str, ticked: bool) -> bool:
    """Whether a field's answers are personal data: ticked so by the form's designer, or an
    ID number, phone or e-mail address whatever the designer ticked."""
    return ticked or field_type in ALWAYS_PERSONAL


def masked_text(field_type: str, personal: bool, text: str) -> str:
    if not is_personal(field_type, personal):
        return text
    return MASKS.get(field_type, mask_name)(text)


def sees_identity(
    user: grid_selectors.User, submission: Submission, area: Area | None = None
) -> bool:
    """Whether the user sees who sent a submission (the personal answers in full and the
    account it came from). A sealed form shows it only to its role's holders over the area;
    any other, to those who may see personal data there. `area`: the area of a process run
    on the submission, when that is where its people work."""
    area = area or submission.area
    definition = submission.definition
    if definition.is_sealed:
        return grid_selectors.holds_role_over(
            user, definition.identity_role_id, definition.identity_level, area
        )
    return grid_selectors.can_see_personal_data(user, area)


def shown_answers(answers: list["Answer"], unmasked: bool) -> list["Answer"]:
    """The answers as a reader sees them: masked unless `unmasked`, and then a personal
    answer's file (a scan of an ID card) is not offered either, only its name masked."""
    if unmasked:
        return answers
    return [
        dataclasses.replace(
            answer, text=answer.masked, files=() if answer.is_personal else answer.files
        )
        for answer in answers
    ]


def shown_file(
    user: grid_selectors.User, stored: SubmissionFile, area: Area | None = None
) -> "Answer | None":
    """The answer that holds an uploaded file, as `user` is shown it (`area` as for
    `sees_identity`); None when they are shown its name masked and not the file."""
    submission = stored.submission
    unmasked = sees_identity(user, submission, area)
    for answer in shown_answers(answers(submission, {stored.field_name: [stored]}), unmasked):
        if any(file.pk == stored.pk for file in answer.files):
            return answer
    return None


@dataclasses.dataclass(frozen=True)
class Answer:
    name: str
    label: str
    type: str
    personal: bool
    value: object
    text: str
    # The files the answer carries, in the order they were sent (a field may take several).
    files: tuple[SubmissionFile, ...] = ()

    @property
    def is_personal(self) -> bool:
        """Ticked as personal by the form's designer, or an ID number or phone whatever the
        designer ticked."""
        return is_personal(self.type, self.personal)

    @property
    def masked(self) -> str:
        return masked_text(self.type, self.is_personal, self.text)


def shows_personal_data(answers: list[Answer]) -> bool:
    """Whether showing these answers in full shows someone's personal data."""
    return any(answer.is_personal and answer.text for answer in answers)


def answers(
    submission: Submission, files: dict[str, list[SubmissionFile]] | None = None
) -> list[Answer]:
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
                tuple(files.get(name, ())),
            )
        )
    return result


def search_text(submission: Submission) -> str:
    """What the submissions list searches: the reference code and the answers, except a sealed
    form's personal ones (its senders cannot be found by their name or phone either)."""
    sealed = submission.definition.is_sealed
    texts = [a.text for a in answers(submission) if a.text and not (sealed and a.is_personal)]
    return "\n".join([submission.reference, *texts])


def submission_files(submission: Submission) -> dict[str, list[SubmissionFile]]:
    """Each file field's files, in the order they were sent."""
    files: dict[str, list[SubmissionFile]] = {}
    for stored in sorted(submission.files.all(), key=lambda stored: stored.pk):
        files.setdefault(stored.field_name, []).append(stored)
    return files


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


def submitter_phone(submission: Submission) -> str:
    """The first phone number the submitter gave, as typed; empty when none."""
    for name, _label, field_type, _personal in submission.fields_snapshot:
        value = submission.form_data.get(name)
        if field_type == "phone" and isinstance(value, str) and value:
            return value
    return ""


def submitter_site(submission: Submission) -> Site | None:
    """The public site the submitter used: the one they sent it on, else the site of its page,
    else the default site."""
    if submission.site_id:
        return submission.site
    if submission.page_id:
        return submission.page.get_site()
    return Site.objects.filter(is_default_site=True).first()


def site_root_url(submission: Submission) -> str:
    """Scheme, host and port for links in what is sent to the submitter later, by a worker or a
    staff member's request: their site's, as configured (hostname, port) in Wagtail's sites."""
    site = submitter_site(submission)
    return (site.root_url if site else settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def tracking_path(submission: Submission) -> str:
    """Where the sender follows the submission, when an app that acts on submissions (the
    process engine) offers a page for it; else empty."""
    return next((path for find in signals.tracking_paths if (path := find(submission))), "")


def tracking_link(submission: Submission) -> str:
    """The tracking page on the submitter's site, else empty."""
    path = tracking_path(submission)
    return site_root_url(submission) + path if path else ""


def page_link(submission: Submission) -> str:
    """The form page the submission came from, on the submitter's site; empty when that site
    does not hold it (or it is gone)."""
    site = submitter_site(submission)
    if not submission.page_id or site is None:
        return ""
    root_path, path = site.root_page.url_path, submission.page.url_path
    if not path.startswith(root_path):
        return ""
    return site_root_url(submission) + "/" + path.removeprefix(root_path)
