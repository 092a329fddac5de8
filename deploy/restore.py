"""Restore a backup made by deploy/backup.py into an empty database and empty media folders:

    sudo -u postgres createdb --owner peoples_grid peoples_grid
    sudo -u peoples-grid /srv/peoples-grid/.venv/bin/python deploy/restore.py \\
        /var/backups/peoples-grid/20260101-020000

The target database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT are the app's settings (the .env;
variables set in the environment win). Checksums are verified first; a database that already
has tables, or a media folder that is not empty, is refused rather than mixed.
"""

import argparse
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backup import ARCHIVES, DUMP, folders, pg_environment, setup_django, sha256


def verify(source: Path) -> None:
    for line in (source / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split(maxsplit=1)
        if sha256(source / name.strip()) != expected:
            raise SystemExit(f"{source / name.strip()} does not match its checksum")


def check_archive(path: Path) -> None:
    """Refuse an archive holding anything but plain files and folders inside it, before the
    database is touched. Python before 3.11.4 (Debian 12 ships 3.11.2) has no tarfile
    extraction filters, so this is what keeps a bad archive from writing outside the folder."""
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                raise SystemExit(f"{path}: {member.name} is not a plain file or folder")


def database_is_empty(environment: dict) -> bool:
    result = subprocess.run(
        ["psql", "-Atc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip() == "0"


def restore(source: Path) -> None:
    from django.conf import settings

    verify(source)
    environment = pg_environment(settings.DATABASES["default"])
    targets = folders()
    if not database_is_empty(environment):
        raise SystemExit(f"the database {environment['PGDATABASE']} is not empty")
    for folder in targets.values():
        if folder.exists() and any(folder.iterdir()):
            raise SystemExit(f"{folder} is not empty")
    # Checked and made before the database is touched: a bad archive, or a folder this user may
    # not create, stops the restore while the database is still empty, so it can be run again.
    for name, folder in targets.items():
        check_archive(source / ARCHIVES[name])
        folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            environment["PGDATABASE"],
            str(source / DUMP),
        ],
        env=environment,
        check=True,
    )
    for name, folder in targets.items():
        with tarfile.open(source / ARCHIVES[name]) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(folder, filter="data")
            else:
                archive.extractall(folder)


def main() -> None:
    setup_django()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backup", type=Path, help="a folder written by deploy/backup.py")
    args = parser.parse_args()
    restore(args.backup)
    print(f"restored {args.backup}")


if __name__ == "__main__":
    main()
