"""Static files storage for production: hashed names, compressed copies, and a manifest."""

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


def is_project_file(name: str) -> bool:
    """A static file of People's Grid itself, rather than one shipped by an installed package
    (found in the project's folders, not in the virtualenv's site-packages)."""
    found = finders.find(name)
    if not found:
        return False
    path = Path(found).resolve()
    return path.is_relative_to(settings.BASE_DIR) and "site-packages" not in path.parts


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, except that a reference in a third-party stylesheet or
    script to a file its package does not ship is left as it is and logged instead of failing
    the whole collectstatic (django-viewflow ships copies of font stylesheets under
    node_modules/ whose fonts are missing). The project's own files stay strict: a broken
    reference there is a bug to fix."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reported: set[tuple[str, str]] = set()

    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if is_project_file(name):
                    raise
                missing = (name, matchobj.group("url"))
                if missing in self.reported:  # post-processing passes over files repeatedly
                    return matchobj.group("matched")
                self.reported.add(missing)
                logger.warning(
                    "%s refers to %s, which its package does not ship; left unchanged.",
                    name,
                    matchobj.group("url"),
                )
                return matchobj.group("matched")

        return converter
