#!/usr/bin/env bash
# manage.py with the production settings and the project's virtualenv, from anywhere:
#   sudo -u peoples-grid /srv/peoples-grid/deploy/manage.sh migrate
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
exec "$ROOT/.venv/bin/python" manage.py "$@"
