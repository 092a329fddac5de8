import datetime

from django.utils.translation import gettext as _

from grid.management.retrying import RetryCommand
from sms import services


class Command(RetryCommand):
    help = (
        "Send again the text messages that failed or were never handed to the provider; "
        "exits with status 1 when one failed again."
    )

    def retry(self, older_than: datetime.timedelta) -> tuple[str, bool]:
        sent, failed = services.retry_messages(older_than=older_than)
        line = _("Text messages: %(sent)d sent, %(failed)d failed.")
        return line % {"sent": sent, "failed": failed}, bool(failed)
