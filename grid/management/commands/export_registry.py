from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from grid import exports
from grid.registers import RESOURCES, get_resource
from grid.tabular import FileError, format_for


class Command(BaseCommand):
    help = "Export a register to a CSV or XLSX file (the format follows the file's extension)."

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=sorted(RESOURCES), help="The register.")
        parser.add_argument("file", type=Path, help="A .csv or .xlsx file to write.")
        parser.add_argument(
            "--user", help="Export what this user may see (default: the whole registry)."
        )

    def handle(self, *args, resource, file: Path, user, **options):
        try:
            file_format = format_for(file)
        except FileError as error:
            raise CommandError(str(error)) from None
        exporter = None
        if user:
            exporter = get_user_model().objects.filter(username=user).first()
            if exporter is None:
                raise CommandError(_("There is no user %(user)s.") % {"user": user})
        register = get_resource(resource)
        queryset = register._meta.model.objects.all()
        filters = {"command": "export_registry"}
        with file.open("wb") as target:
            exports.export_to(
                register, queryset, target, file_format=file_format, user=exporter, filters=filters
            )
        self.stdout.write(_("Written to %(file)s.") % {"file": file}, self.style.SUCCESS)
