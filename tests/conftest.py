"""Personas and helpers shared by the whole suite (same tests on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kehu.core import clock


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def pytest_collection_modifyitems(items):
    """Every transactional test (real commits: concurrency, live server, browser) gets
    serialized_rollback, so it starts with the rows that migrations seeded (industries, methods,
    defaults) instead of the empty tables the previous one's flush left behind."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ()))
        if transactional and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


@pytest.fixture(autouse=True, scope="session")
def _plain_static_storage():
    """Pages render without a collectstatic run (the manifest is a deployment concern)."""
    from django.test import override_settings

    with override_settings(STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }):
        yield


@pytest.fixture(autouse=True)
def _run_clock():
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in the test client activates its
    caller's (Accept-Language, an API token user's own) for the thread, and a server's next
    request would reset it in LocaleMiddleware, but a test calling services directly would not."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def frozen_clock():
    """Pin "now" to a known moment; call the fixture's value with a new datetime to move it."""
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
    clock.freeze(start)

    class Handle:
        moment = start

        def set(self, moment: dt.datetime) -> None:
            self.moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
            clock.freeze(self.moment)

        def advance(self, **delta) -> None:
            self.set(self.moment + dt.timedelta(**delta))

    return Handle()


@pytest.fixture
def team(db):
    from kehu.accounts.services import team_create

    return team_create(None, name="华东销售一组")


@pytest.fixture
def manager(db, team):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    user = user_create(None, username="wang.manager", role=Role.MANAGER, display_name="王经理", team=team)
    team.lead = user
    team.save(update_fields=["lead"])
    return user


@pytest.fixture
def rep(db, team):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    return user_create(None, username="li.rep", role=Role.REP, display_name="李销售", team=team)


@pytest.fixture
def other_rep(db, team):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    return user_create(None, username="zhao.rep", role=Role.REP, display_name="赵销售", team=team)


@pytest.fixture
def superuser_factory(db):
    from kehu.accounts.services import user_create

    def make(username: str = "root"):
        from kehu.accounts.models import User

        return User.objects.filter(username=username).first() or user_create(
            None, username=username, role="manager", is_superuser=True)

    return make
