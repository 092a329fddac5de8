"""Run the benchmarks: `python -m bench [NAME ...] [--output FILE]`."""

import argparse
import json
import os
import platform
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Each module exposes run() -> dict of figures; they are listed in the order they run.
BENCHMARKS = {
    "registry": "bench.registry",
    "imports": "bench.imports",
    "forms": "bench.forms",
    "pages": "bench.pages",
    "workflows": "bench.workflows",
    "open311": "bench.open311",
    "locating": "bench.locating",
    "search": "bench.search",
    "dashboards": "bench.dashboards",
}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=list(BENCHMARKS))
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, as in the embedded deployment; an in-memory database would flatter SQLite.
        connection.settings_dict["TEST"]["NAME"] = str(ROOT / "var" / "bench.sqlite3")
        (ROOT / "var").mkdir(exist_ok=True)
    results = json.loads(args.output.read_text()) if args.output.exists() else {}
    for name in args.names:
        # Each benchmark on a database of its own: they build overlapping cities.
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            print(f"== {name} ({connection.vendor})", flush=True)
            figures = import_module(BENCHMARKS[name]).run()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        for key, value in figures.items():
            print(f"  {key}: {value}")
        results.setdefault(name, {})[connection.vendor] = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            **figures,
        }
        # After each: a later benchmark's failure loses none of the figures before it.
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
