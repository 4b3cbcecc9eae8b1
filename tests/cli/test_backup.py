"""`kehu backup` → `kehu restore` on the test database itself (SQLite file or PostgreSQL)."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kehu.accounts.models import Role, User
from kehu.accounts.services import user_create

# Backup and restore work outside any test transaction: the copy must see committed rows.
# serialized_rollback: see tests/cli/conftest.py.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".dump"}


def usernames() -> set[str]:
    return set(User.objects.values_list("username", flat=True))


def test_restore_brings_back_the_state_of_the_backup(tmp_path):
    user_create(None, username="chen.kept", role=Role.REP, display_name="陈保留")
    target = tmp_path / f"round-trip{SUFFIX[connection.vendor]}"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert str(target) in out.getvalue() and target.stat().st_size > 0
    assert target.stat().st_mode & 0o777 == 0o600, "a backup holds password hashes: owner only"

    user_create(None, username="after.backup", role=Role.REP)
    User.objects.filter(username="chen.kept").delete()
    assert usernames() == {"after.backup"}

    out = io.StringIO()
    call_command("restore", str(target), yes=True, stdout=out)
    assert str(target) in out.getvalue()
    assert usernames() == {"chen.kept"}
    assert User.objects.get(username="chen.kept").display_name == "陈保留"


def test_backup_without_a_path_goes_to_the_data_folder_with_a_timestamp():
    out = io.StringIO()
    call_command("backup", stdout=out)
    written = sorted((settings.DATA_DIR / "backups").glob(f"kehu-*{SUFFIX[connection.vendor]}"))
    assert written and str(written[-1]) in out.getvalue()
    for path in written:
        path.unlink()


def test_backup_never_overwrites_an_existing_file(tmp_path):
    target = tmp_path / "taken.bak"
    target.write_text("an earlier backup")
    with pytest.raises(CommandError) as excinfo:
        call_command("backup", str(target))
    assert str(target) in str(excinfo.value)
    assert target.read_text() == "an earlier backup"


def write_other_sqlite(path):
    with closing(sqlite3.connect(path)) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
        other.commit()


@pytest.mark.parametrize(
    "make_junk",
    [
        lambda path: path.write_bytes(b""),  # SQLite would open this as a valid, empty database
        lambda path: path.write_bytes(b"this is not a database backup\n" * 100),
        write_other_sqlite,
    ],
    ids=["empty", "text", "other-sqlite"],
)
def test_restore_of_a_file_that_is_no_backup_changes_nothing(tmp_path, make_junk):
    user_create(None, username="still.here", role=Role.REP)
    junk = tmp_path / "junk.bak"
    make_junk(junk)
    with pytest.raises(CommandError):
        call_command("restore", str(junk), yes=True)
    assert usernames() == {"still.here"}


def test_restore_refuses_without_yes_when_nobody_can_confirm(kehu, tmp_path):
    user_create(None, username="still.here", role=Role.REP)
    target = tmp_path / f"any{SUFFIX[connection.vendor]}"
    call_command("backup", str(target), stdout=io.StringIO())

    result = kehu("restore", str(target))  # stdin is /dev/null, as under cron or CI

    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert usernames() == {"still.here"}
