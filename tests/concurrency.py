"""Work run on several threads at once, for the tests of row locks (on PostgreSQL)."""

import threading

from django.db import connections


def at_once(**works) -> dict[str, str]:
    """Run each work on its own thread, all at once: "done" or the error each raised."""
    barrier = threading.Barrier(len(works))
    outcomes = {}

    def run(name, work):
        try:
            barrier.wait()
            work()
            outcomes[name] = "done"
        except Exception as error:  # the loser's refusal, whatever form the database gives it
            outcomes[name] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in works.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
