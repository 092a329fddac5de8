from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows import selectors
from workflows.definition_files import DefinitionFileError, import_text


class Command(BaseCommand):
    help = (
        "Import process definitions (with their forms) from YAML files written by "
        "export_process, each all or nothing; exit 1 if any file has problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="One or more .yaml files.")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Save the changes as drafts for an admin to publish, instead of publishing.",
        )
        parser.add_argument("--user", help="Record the revisions as made by this user.")

    def handle(self, *args, files: list[Path], draft: bool, user: str | None, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(_("There is no user %(user)s.") % {"user": user})
        failed = 0
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                self.stderr.write(f"{path}: {error}")
                failed += 1
                continue
            try:
                definition, changed = import_text(text, user=importer, publish=not draft)
            except DefinitionFileError as error:
                for problem in error.problems:
                    self.stderr.write(f"{path}: {problem}")
                failed += 1
                continue
            except PermissionDenied:
                self.stderr.write(
                    _("%(file)s: %(user)s may not publish process definitions or forms.")
                    % {"file": path, "user": importer}
                )
                failed += 1
                continue
            self.stdout.write(f"{path}: {self.outcome(definition, changed, draft)}")
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)d file was not imported: nothing of it was written.",
                    "%(count)d files were not imported: nothing of them was written.",
                    failed,
                )
                % {"count": failed}
            )

    def outcome(self, definition, changed: bool, draft: bool) -> str:
        names = {"name": definition.name, "key": definition.key}
        if not changed:
            return _("“%(name)s” (%(key)s) is unchanged.") % names
        if draft:
            return _("“%(name)s” (%(key)s) saved as a draft.") % names
        version = selectors.latest_version(definition)
        return _("“%(name)s” (%(key)s) published as version %(number)d.") % {
            **names,
            "number": version.number,
        }
