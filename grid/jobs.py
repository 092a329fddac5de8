"""Import jobs (and the progress of export jobs, grid.export_jobs): an uploaded file is checked
(a dry run), confirmed, then imported, each step inline for small files and as a django-tasks
task for large ones. The job row keeps the state and the report for the user; progress goes
through Django's cache, which every process of a deployment shares (Redis), because the
import's own transaction hides its writes until the end."""

import logging
import time
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.log_actions import log

from . import audit, tabular
from .imports import ImportReport, Progress, import_file
from .models import ExportJob, ImportJob
from .registers import get_resource
from .tabular import FileError

logger = logging.getLogger(__name__)

# A running job whose progress has not moved for this long has lost its worker.
STALLED_AFTER = 15 * 60


Job = ImportJob | ExportJob


def progress_key(job: Job) -> str:
    return f"grid-{job._meta.model_name}-progress-{job.pk}"


def forget_progress(job: Job) -> None:
    cache.delete(progress_key(job))


def cache_progress(job: Job) -> Progress:
    def report(done: int, total: int) -> None:
        cache.set(progress_key(job), {"done": done, "total": total, "at": time.time()}, 3600)

    return report


def progress_of(job: Job) -> dict:
    """What the job page shows: the status, how far a running job has come, and whether it
    is waiting for a worker or has stopped."""
    state = {"status": job.status, "label": str(job.get_status_display()), "running": False}
    if not job.is_running:
        return state
    progress = cache.get(progress_key(job))
    state["running"] = True
    if progress is None:
        state["waiting"] = True
        return state
    total = max(progress["total"], progress["done"], 1)
    state.update(
        done=progress["done"],
        total=total,
        percent=min(100, round(100 * progress["done"] / total)),
        stalled=time.time() - progress["at"] > STALLED_AFTER,
    )
    return state


def estimate_rows(stream: IO[bytes]) -> int:
    try:
        return tabular.estimate_rows(stream)
    except FileError:
        return 0  # checked inline, which reports what is wrong with the file


def start_import(
    user: AbstractBaseUser, resource: str, upload: UploadedFile, encoding: str = ""
) -> ImportJob:
    job = ImportJob(
        user=user,
        resource=resource,
        file_name=upload.name[:255],
        encoding=encoding,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        status=ImportJob.Status.CHECKING,
        rows=estimate_rows(upload),
    )
    upload.seek(0)
    job.file.save(upload.name, upload, save=False)
    job.save()
    dispatch(job)
    return job


def confirm_import(job: ImportJob) -> None:
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status", "updated_at"])
    dispatch(job)


def dispatch(job: ImportJob) -> None:
    """Small files are worked inline, within the request; large ones by the task backend
    (inline too in the embedded default, by a worker in production)."""
    forget_progress(job)
    if job.rows <= settings.REGISTRY_IMPORT_BACKGROUND_ROWS:
        run_job(job)
        return
    result = run_import_job.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()


@task()
def run_import_job(job_id: int) -> str:
    """The background task: check or import the job's file, whichever step it is at. Run
    inline in the embedded default, by `manage.py db_worker` when TASKS_BACKEND is
    django_tasks_db.DatabaseBackend."""
    job = ImportJob.objects.get(pk=job_id)
    if job.is_running:
        run_job(job)
    return job.status


def run_job(job: ImportJob) -> None:
    dry_run = job.status == ImportJob.Status.CHECKING
    try:
        with translation.override(job.language), job.file.open("rb") as stream:
            report = import_file(
                job.resource,
                stream,
                user=job.user,
                dry_run=dry_run,
                encoding=job.encoding,
                progress=cache_progress(job),
                # The job is marked imported, and audited, in the import's own transaction.
                on_success=lambda report: finish(job, report),
            )
    except Exception:
        # The transaction has rolled back; the user sees the job failed, never a server error.
        logger.exception("Import job %s failed", job.pk)
        with translation.override(job.language):
            report = ImportReport(resource=job.resource, dry_run=dry_run)
            report.error(1, "", _("The import stopped unexpectedly. Nothing was imported."))
    if dry_run or not report.ok:
        finish(job, report)


def finish(job: ImportJob, report: ImportReport) -> None:
    job.report = report.as_dict()
    if not report.ok:
        job.status = ImportJob.Status.FAILED
    elif report.dry_run:
        job.status = ImportJob.Status.CHECKED
    else:
        job.status = ImportJob.Status.IMPORTED
    if job.status != ImportJob.Status.CHECKED and job.file:
        # The file holds personal data: keep it only while the user may still confirm.
        job.file.delete(save=False)
    job.save()
    if job.status == ImportJob.Status.IMPORTED:
        log_import(job, report)


def log_import(job: ImportJob, report: ImportReport) -> None:
    log(
        instance=job,
        action=audit.IMPORT,
        user=job.user,
        title=f"{get_resource(job.resource).title}: {job.file_name}",
        data={
            "register": job.resource,
            "file": job.file_name,
            "rows": report.rows,
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )


def import_now(
    resource: str,
    stream: IO[bytes],
    *,
    file_name: str,
    user: AbstractBaseUser | None,
    dry_run: bool,
    encoding: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file at once (the command line), recording a real import like the admin does."""

    def record(report: ImportReport) -> None:
        job = ImportJob.objects.create(
            user=user,
            resource=resource,
            file_name=file_name[:255],
            encoding=report.encoding,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            status=ImportJob.Status.IMPORTED,
            rows=report.rows,
            report=report.as_dict(),
        )
        log_import(job, report)

    return import_file(
        resource,
        stream,
        user=user,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        on_success=record,
    )
