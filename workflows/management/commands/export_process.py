from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows.definition_files import export_definition
from workflows.models import ProcessDefinition


class Command(BaseCommand):
    help = (
        "Write a process definition with its forms, stages and effects as YAML to standard "
        "output (import it elsewhere with import_process)."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="The definition's key.")

    def handle(self, *args, key: str, **options):
        definition = ProcessDefinition.objects.filter(key=key).first()
        if definition is None:
            raise CommandError(_("No process definition has the key “%(key)s”.") % {"key": key})
        self.stdout.write(export_definition(definition), ending="")
