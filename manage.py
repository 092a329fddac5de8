#!/usr/bin/env python
"""Django's command-line utility for People's Grid."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# The project configuration lives in site/config; "site" itself is the standard library's
# module, so the folder is put on the path rather than imported as a package.
sys.path.insert(0, str(BASE_DIR / "site"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
