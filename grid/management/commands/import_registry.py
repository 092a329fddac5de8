import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grid import jobs
from grid.registers import RESOURCES
from grid.tabular import ENCODINGS


class Command(BaseCommand):
    help = (
        "Import a register from a CSV or XLSX file, all or nothing. Exits with status 1 when "
        "any row is in error (and then imports nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=sorted(RESOURCES), help="The register.")
        parser.add_argument("file", type=Path, help="A .csv or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )
        parser.add_argument(
            "--user",
            help="Import as this user, within their jurisdiction (default: everywhere).",
        )
        parser.add_argument(
            "--encoding", choices=sorted(ENCODINGS), default="", help="A CSV file's encoding."
        )

    def handle(self, *args, resource, file: Path, dry_run, user, encoding, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(_("There is no user %(user)s.") % {"user": user})
        if not file.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        with file.open("rb") as stream:
            report = jobs.import_now(
                resource,
                stream,
                file_name=file.name,
                user=importer,
                dry_run=dry_run,
                encoding=encoding,
                progress=self.progress_bar(),
            )
        self.stderr.write("")
        for error in report.errors:
            where = _("row %(row)d") % {"row": error.row}
            if error.column:
                where += _(", column “%(column)s”") % {"column": error.column}
            self.stderr.write(f"{where}: {error.message}")
        if report.error_count > len(report.errors):
            self.stderr.write(
                _("… and %(count)d more errors.")
                % {"count": report.error_count - len(report.errors)}
            )
        for notice in report.notices:
            self.stdout.write(notice)
        summary = _(
            "%(rows)d rows: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, "
            "%(errors)d errors, %(empty)d empty rows skipped."
        ) % {
            "rows": report.rows,
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "errors": report.error_count,
            "empty": report.empty_rows,
        }
        self.stdout.write(summary)
        if not report.ok:
            raise CommandError(_("Nothing was imported: correct the errors and run it again."))
        self.stdout.write(
            _("Dry run: nothing was written.") if dry_run else _("Imported."),
            self.style.SUCCESS,
        )

    def progress_bar(self):
        stream = self.stderr
        interactive = sys.stderr.isatty()

        def show(done: int, total: int) -> None:
            total = max(total, done, 1)
            filled = round(30 * done / total)
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
            if interactive:
                stream.write(f"\r{line}", ending="")
            else:
                stream.write(line)

        return show
