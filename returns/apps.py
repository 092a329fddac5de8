from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    """Periodic returns (统一填报): what departments ask communities and grids to report, each
    citing the access list entry that admits it, filed once per period and pre-filled from the
    registers; the tables that sum them up the area tree, and the burden ledger."""

    name = "returns"
    verbose_name = _("Returns")
