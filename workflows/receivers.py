"""Signal receivers: publishing a definition freezes a version; a form page with a process
attached accepts only what can start it, and an accepted submission from it starts it."""

from django.utils.translation import gettext as _

from . import services, tasks


def freeze_on_publish(sender, instance, revision, **kwargs) -> None:
    services.freeze_version(instance, revision.user if revision else None)


def start_on_submission(sender, submission, **kwargs) -> None:
    if submission.page_id is not None:
        tasks.start_process_for_submission.enqueue(submission.pk)


def page_start_notice(page, user) -> str:
    definition = getattr(page, "workflow", None)
    if definition is None or services.may_start(definition, user):
        return ""
    return _("Only some users may send this form: sign in with the right account first.")


def page_start_problems(page, form, user) -> list[str]:
    definition = getattr(page, "workflow", None)
    return [] if definition is None else services.start_problems(definition, form, user)
