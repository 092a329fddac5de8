"""Export jobs: a list too long to export within a request (a register's, a form's
submissions) is exported by a django-tasks task into a private file (inline in the embedded
default, by a worker in production); the user follows its progress on the job's page and
downloads it there. The task runs the list's own view with the list's query, so the file holds
exactly what the list showed, within what the user may see when the task runs. Each kind of
list registers itself here (`KINDS`), so that the jobs need not know what they export."""

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.utils import translation
from django_tasks import task
from wagtail import hooks

from . import jobs
from .models import ExportJob

logger = logging.getLogger(__name__)

# The list's view, run for a job: (job, the file to write to) -> rows written.
Exporter = Callable[[ExportJob, IO[bytes]], int]
Row = TypeVar("Row")
# Progress is reported every so many rows: often enough for the page, rarely enough to cost
# nothing.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class ExportKind:
    """What can be exported in the background, as its job pages name and check it."""

    title: Callable[[], str]
    may_export: Callable[[AbstractBaseUser], bool]
    filename: Callable[[str], str]  # for a file format
    exporter: Exporter


KINDS: dict[str, ExportKind] = {}


def register(slug: str, kind: ExportKind) -> None:
    KINDS[slug] = kind


def counted(rows: Iterable[Row], progress: Callable[[int, int], None], total: int) -> Iterator[Row]:
    """`rows`, reporting how many went by to `progress`."""
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
        yield row
    progress(done, total)


def start_export(
    user: AbstractBaseUser, resource: str, file_format: str, query: dict, rows: int
) -> ExportJob:
    job = ExportJob.objects.create(
        user=user,
        resource=resource,
        file_format=file_format,
        query=query,
        rows=rows,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        status=ExportJob.Status.EXPORTING,
    )
    jobs.forget_progress(job)
    result = run_export_job.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()
    return job


@task()
def run_export_job(job_id: int) -> str:
    job = ExportJob.objects.get(pk=job_id)
    if job.is_running:
        run_job(job)
    return job.status


def run_job(job: ExportJob) -> None:
    # The registers' lists register their exporters from the admin's hooks modules, which a
    # worker process has not imported.
    hooks.search_for_hooks()
    try:
        with translation.override(job.language), tempfile.TemporaryFile() as target:
            job.rows = KINDS[job.resource].exporter(job, target)
            target.seek(0)
            job.file.save(f"{job.resource}.{job.file_format}", File(target), save=False)
        job.status = ExportJob.Status.EXPORTED
    except Exception:
        # The user sees the export failed, never a server error; nothing half-written is kept.
        logger.exception("Export job %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
    job.save()
