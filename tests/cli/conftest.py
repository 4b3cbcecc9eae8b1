"""Helpers for driving the real `kehu` console script against the test database.

The tests here that need committed rows use transaction=True *with*
serialized_rollback=True. A plain transactional test ends with a flush that
re-runs post_migrate but leaves out the rows data migrations seeded
(industries…), which breaks the transactional tests that run after it; with
serialized_rollback the flush skips post_migrate and the next such test gets
the whole seeded database back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.procs import child_env

# The script pip installed next to this interpreter, exactly what a user runs.
KEHU = str(Path(sys.executable).with_name("kehu"))


@pytest.fixture
def kehu(tmp_path):
    """Run `kehu ARGS…` to completion against the test database; returns the CompletedProcess."""

    def run(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [KEHU, *args], env=child_env(KEHU_DATA_DIR=str(tmp_path / "data")),
            input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout,
        )

    return run
