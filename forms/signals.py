from django.dispatch import Signal

# Sent after the commit that stored a submission accepted from a form page; the process engine
# listens to start the process attached to the page. Arguments: submission.
submission_accepted = Signal()
