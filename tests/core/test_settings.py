"""Database settings read from the environment."""

from __future__ import annotations

import pytest
from django.db import connection


def test_postgresql_plans_for_memory_and_ssd_without_parallel_workers(monkeypatch):
    from kehu import settings

    monkeypatch.setenv("DATABASE_URL", "postgres://kehu@127.0.0.1:5432/kehu")
    monkeypatch.delenv("KEHU_PG_RANDOM_PAGE_COST", raising=False)
    monkeypatch.delenv("KEHU_PG_PARALLEL_WORKERS", raising=False)
    options = settings._database()["OPTIONS"]["options"]
    assert "-c max_parallel_workers_per_gather=0" in options and "-c random_page_cost=1.1" in options
    monkeypatch.setenv("KEHU_PG_RANDOM_PAGE_COST", "4")
    assert "-c random_page_cost=4" in settings._database()["OPTIONS"]["options"]
    monkeypatch.setenv("KEHU_PG_RANDOM_PAGE_COST", "fast")
    with pytest.raises(ValueError, match="KEHU_PG_RANDOM_PAGE_COST must be a number"):
        settings._database()


@pytest.mark.django_db
def test_the_running_database_has_those_settings():
    """On PostgreSQL the session runs with them; SQLite has no such planner costs and keeps its
    pragmas (foreign keys on)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW random_page_cost")
            assert cursor.fetchone()[0] == "1.1"
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
        else:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
