"""Back up People's Grid: the PostgreSQL database (pg_dump, custom format), then the public
media and the private uploads of form submissions (tar.gz), into one dated folder with
checksums; folders older than BACKUP_KEEP_DAYS are removed. Settings (database, media
folders, BACKUP_DIR, BACKUP_KEEP_DAYS) come from the same .env as the app:

    sudo -u peoples-grid /srv/peoples-grid/.venv/bin/python deploy/backup.py [--to DIR]

The database is dumped first: a form submission stores its files before its row commits, so
every file a dumped row refers to is already there when the folders are archived after it.
Restore with deploy/restore.py.
"""

import argparse
import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUMP = "database.dump"
ARCHIVES = {"media": "media.tar.gz", "private": "private.tar.gz"}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "site"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()


def pg_environment(database: dict) -> dict[str, str]:
    """libpq's variables for the app's database (the password never on a command line)."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("backup.py backs up PostgreSQL; DATABASE_URL names another database.")
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
    }
    return {**os.environ, **{key: value for key, value in values.items() if value}}


def folders() -> dict[str, Path]:
    from django.conf import settings

    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(target_root: Path) -> Path:
    from django.conf import settings

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = target_root / stamp
    partial = target_root / f".{stamp}.partial"
    partial.mkdir(parents=True, mode=0o700)
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(partial / DUMP)],
        env=pg_environment(settings.DATABASES["default"]),
        check=True,
    )
    for name, folder in folders().items():
        with tarfile.open(partial / ARCHIVES[name], "w:gz") as archive:
            if folder.exists():
                archive.add(folder, arcname=".")
    names = [DUMP, *ARCHIVES.values()]
    (partial / "SHA256SUMS").write_text(
        "".join(f"{sha256(partial / name)}  {name}\n" for name in names)
    )
    partial.rename(target)  # a folder without the dot is complete
    return target


def prune(target_root: Path, keep_days: int) -> list[Path]:
    cutoff = datetime.datetime.now() - datetime.timedelta(days=keep_days)
    removed = []
    for folder in sorted(target_root.iterdir()):
        try:
            taken = datetime.datetime.strptime(folder.name, "%Y%m%d-%H%M%S")
        except ValueError:
            continue  # not one of ours
        if taken < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def main() -> None:
    setup_django()
    import environ

    env = environ.Env()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", default=env.str("BACKUP_DIR", default=""))
    parser.add_argument("--keep-days", type=int, default=env.int("BACKUP_KEEP_DAYS", default=14))
    args = parser.parse_args()
    if not args.to:
        parser.error("set BACKUP_DIR in .env or pass --to")
    target = backup(Path(args.to))
    print(f"backup written to {target}")
    for folder in prune(Path(args.to), args.keep_days):
        print(f"removed {folder} (older than {args.keep_days} days)")


if __name__ == "__main__":
    main()
