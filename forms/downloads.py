"""An uploaded file as a download, for every page that offers one (a submission in the
console, a process's page): the caller has checked that the reader may see the submission; a
file of a personal field goes only to those who see who sent it, and handing it out is
audited as any unmasked view of personal data."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from grid import audit
from grid.models import Area
from grid.selectors import User
from grid.storage import private_response

from . import selectors
from .models import SubmissionFile


def download(
    user: User, stored: SubmissionFile, *, page: str, area: Area | None = None
) -> FileResponse:
    """The file for `user`, or Http404 when it is personal and they do not see who sent it.
    `page` names where it was asked for, in the audit log; `area` as for `sees_identity`."""
    answer = selectors.shown_file(user, stored, area)
    if answer is None:
        raise Http404
    submission = stored.submission
    if answer.is_personal:
        # Named by its number: the reference code is the applicant's key to it.
        audit.log_view(
            submission,
            user=user,
            area=area or submission.area,
            page=page,
            label=_("Submission %(number)s of %(form)s")
            % {"number": submission.pk, "form": submission.definition.title},
        )
    return private_response(
        stored.file.open("rb"), filename=stored.original_name, content_type=stored.content_type
    )
