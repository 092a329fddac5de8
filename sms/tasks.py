"""Background work of text messages, run by django-tasks (inline unless a queue backend is set)."""

from django_tasks import task

from . import services


@task()
def deliver(message_id: int) -> bool:
    """Hand one message to the provider; what came of it is recorded on the message."""
    return services.deliver_message(message_id)
