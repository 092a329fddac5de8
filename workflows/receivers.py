"""Signal receivers: publishing a definition freezes a version; an accepted submission from a
form page with a process attached starts that process."""

from . import services, tasks


def freeze_on_publish(sender, instance, revision, **kwargs) -> None:
    services.freeze_version(instance, revision.user if revision else None)


def start_on_submission(sender, submission, **kwargs) -> None:
    if submission.page_id is not None:
        tasks.start_process_for_submission.enqueue(submission.pk)
