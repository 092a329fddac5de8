"""Local development: the embedded default (SQLite under var/, console email, inline tasks)."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
# *.localhost reaches this machine too: the demo gives a street its own site there.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", ".localhost", "[::1]"])
VAR_DIR.mkdir(exist_ok=True)
