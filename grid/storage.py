"""Private storage: files with personal data (form uploads, registry import and export files)
live outside MEDIA_ROOT, with no public URL, and are served only by views that check who asks."""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    """STORAGES["private"], looked up when first used and again after the setting changes
    (as Django does for its default storage), so that the file fields and the services that
    keep and delete files always use one and the same storage."""

    def _setup(self):
        self._wrapped = storages["private"]


PRIVATE_STORAGE = PrivateStorage()


@receiver(setting_changed)
def forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        PRIVATE_STORAGE._wrapped = empty


def private_storage():
    """For a file field's `storage`: a callable, so migrations name it rather than a path."""
    return PRIVATE_STORAGE


def private_response(
    file, *, filename: str | None = None, content_type: str | None = None
) -> FileResponse:
    """A file kept from the public (private storage, an export) for the one who asked: never
    sniffed into something the browser runs, never kept by a shared cache; a download when
    `filename` is given, else shown in the page (a photo)."""
    response = FileResponse(
        file, as_attachment=filename is not None, filename=filename or "", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
