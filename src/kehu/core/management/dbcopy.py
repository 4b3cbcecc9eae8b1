"""Whole-database backup and restore for `kehu backup` / `kehu restore`, on SQLite and PostgreSQL.

SQLite goes through its online backup API in both directions: it copies a
consistent snapshot while the server keeps writing, and a restore replaces
the live database in one transaction that running workers simply wait for
(no file swapped under an open handle, no stale -wal file replayed onto the
wrong database). PostgreSQL goes through pg_dump / pg_restore.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SUFFIX = {SQLITE: ".sqlite3", POSTGRESQL: ".dump"}


def database() -> dict:
    return connections[DEFAULT_DB_ALIAS].settings_dict


def engine() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in SUFFIX:
        raise CommandError(_("Backups support SQLite and PostgreSQL only, not %(vendor)s.") % {"vendor": vendor})
    return vendor


def backup_target(path: str | None, now: dt.datetime) -> Path:
    """The file to write: PATH, a timestamped file inside PATH when it is a folder, or one in DATA_DIR/backups."""
    name = f"kehu-{now:%Y%m%d-%H%M%S}{SUFFIX[engine()]}"
    if path is None:
        target = Path(settings.DATA_DIR) / "backups" / name
    else:
        target = Path(path).expanduser()
        if target.is_dir():
            target = target / name
    if target.exists():
        # Nothing is lost: never overwrite an earlier backup.
        raise CommandError(_("%(path)s already exists; choose another path.") % {"path": target})
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.resolve()


def write_backup(target: Path) -> None:
    """Write into a temporary file beside TARGET, then rename: a half-written backup never looks complete."""
    handle, temp_name = tempfile.mkstemp(prefix=".partial-", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if engine() == SQLITE:
            sqlite_backup(Path(database()["NAME"]), temp)
        else:
            run_pg(["pg_dump", "--format=custom", "--file", str(temp), "--dbname", database()["NAME"]])
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def restore_backup(source: Path) -> None:
    if not source.is_file():
        raise CommandError(_("%(path)s is not a file.") % {"path": source})
    # Our own connections would hold locks (PostgreSQL) or a stale snapshot (SQLite).
    connections.close_all()
    if engine() == SQLITE:
        sqlite_restore(source, Path(database()["NAME"]))
    else:
        check_pg_archive(source)
        run_pg([
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--dbname", database()["NAME"], str(source),
        ])


def sqlite_backup(live: Path, target: Path) -> None:
    if not live.is_file():
        # sqlite3.connect would silently create an empty database and back that up.
        raise CommandError(_("There is no database at %(path)s to back up.") % {"path": live})
    with closing(sqlite3.connect(live, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        # A backup is one self-contained file, with no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")


def sqlite_restore(source: Path, live: Path) -> None:
    check_sqlite_file(source)
    live.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as backup, closing(sqlite3.connect(live, timeout=30)) as target:
        try:
            backup.backup(target)
        except sqlite3.Error as exc:
            raise CommandError(_("Could not restore into %(path)s: %(error)s") % {"path": live, "error": exc}) from exc


def check_sqlite_file(path: Path) -> None:
    """Refuse anything but a Kehu database before touching the live one (an empty file is a valid, empty SQLite)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as probe:
            found = probe.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise CommandError(_("%(path)s is not a SQLite backup: %(error)s") % {"path": path, "error": exc}) from exc
    if not found:
        raise CommandError(_("%(path)s is not a Kehu backup: it has no django_migrations table.") % {"path": path})


def check_pg_archive(path: Path) -> None:
    """Read the archive's table of contents first: a wrong file fails here, before anything is dropped."""
    listing = run_pg(["pg_restore", "--list", str(path)])
    if " django_migrations " not in listing:
        raise CommandError(_("%(path)s is not a Kehu backup: it has no django_migrations table.") % {"path": path})


def pg_environment() -> dict[str, str]:
    """libpq's own variables, so the password never shows in the process list."""
    db = database()
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def run_pg(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        raise CommandError(
            _("%(program)s was not found; install the PostgreSQL client (Debian: apt-get install postgresql-client).")
            % {"program": argv[0]}
        )
    result = subprocess.run(argv, env=pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(
            _("%(program)s failed (exit %(code)d): %(error)s")
            % {"program": argv[0], "code": result.returncode, "error": result.stderr.strip()}
        )
    return result.stdout
