import time
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo import registry

# Each app's demo module builds its part of the demo city, in this order (later parts use
# earlier ones: pages show the registry, processes put their forms on the portal).
DEMO_MODULES = [
    "demo.registry",
    "demo.tags",
    "demo.party",
    "demo.sites",
    "demo.form_access",
    "demo.texts",
    "demo.processes",
    "demo.daily",
    "demo.returns",
]


class Command(BaseCommand):
    help = "Build the demo city (idempotent: a second run creates and changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG=False (never in production)."
        )
        parser.add_argument("--logins", action="store_true", help="Print the demo logins.")

    def handle(self, *args, force: bool = False, logins: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _("Refusing to build demo data with DEBUG=False; pass --force if you mean it.")
            )
        started = time.monotonic()
        for name in DEMO_MODULES:
            created = import_module(name).build()
            summary = ", ".join(f"{kind} {n}" for kind, n in sorted(created.items()) if n)
            self.stdout.write(f"{name}: " + (summary or _("nothing to create")))
        self.stdout.write(_("Demo city ready in %.1f s.") % (time.monotonic() - started))
        if logins:
            self.print_logins()

    def print_logins(self) -> None:
        rows = registry.logins()
        width = max(len(username) for username, _role, _where in rows)
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password for all: %s)") % registry.DEMO_PASSWORD)
        for username, role, where in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} · {where}")
        self.stdout.write(_("Work console: http://127.0.0.1:%s/admin/") % settings.PORT)
