"""Personas beyond the shared ones: a rep of another team (the outsider) and a read-only colleague."""

from __future__ import annotations

import pytest


@pytest.fixture
def other_team(db):
    from kehu.accounts.models import Role
    from kehu.accounts.services import team_create, user_create

    team = team_create(None, name="华南销售组")
    lead = user_create(None, username="chen.lead", role=Role.MANAGER, display_name="陈经理", team=team)
    team.lead = lead
    team.save(update_fields=["lead"])
    return team


@pytest.fixture
def outsider(db, other_team):
    """A rep of another team: sees none of our customers."""
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    return user_create(None, username="sun.outsider", role=Role.REP, display_name="孙外组", team=other_team)


@pytest.fixture
def viewer(db, team):
    """A service colleague with the collaborator role: sees the customers linked to them, edits nothing."""
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    return user_create(None, username="zhou.viewer", role=Role.COLLABORATOR, display_name="周客服", team=team)


from tests.cli.conftest import kehu  # noqa: E402,F401  (run the real `kehu` script against the test DB)
