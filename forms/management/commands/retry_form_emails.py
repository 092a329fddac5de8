import datetime

from django.utils.translation import gettext as _

from forms import services
from grid.management.retrying import RetryCommand


class Command(RetryCommand):
    help = (
        "Send again the confirmation emails that failed or were never sent (run it from cron); "
        "exits with status 1 when one failed again."
    )

    def retry(self, older_than: datetime.timedelta) -> tuple[str, bool]:
        sent, failed, given_up = services.retry_confirmation_emails(older_than=older_than)
        line = _("Confirmation emails: %(sent)d sent, %(failed)d failed, %(given_up)d given up.")
        return line % {"sent": sent, "failed": failed, "given_up": given_up}, bool(failed)
