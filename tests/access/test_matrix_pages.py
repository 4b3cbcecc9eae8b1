"""The access matrix of the pages that are not about one customer: the public pool (browse, claim,
assign) and the account admin (list, unlock, reset a password, deactivate), for every role on
our team's side and the other team's (a pool customer of each team; a rep of each team as the
account acted on). Web pages through the test client, each attempt rolled back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.customers.models import Customer
from tests.access.conftest import ROLES
from tests.access.test_matrix import _web, attempt, parse_table

# Y: allowed, N: refused — first letter for team A (ours), second for team B (theirs).
PAGES_TABLE = """
role                       pool_view pool_claim pool_assign accounts_view unlock reset_password deactivate
manager                    YN        YN         YN          YN            YN     YN             YN
manager_other_team         NY        NY         NY          NY            NY     NY             NY
owner_rep                  YN        YN         NN          NN            NN     NN             NN
other_rep                  YN        YN         NN          NN            NN     NN             NN
collaborator_assigned      NN        NN         NN          NN            NN     NN             NN
collaborator_not_assigned  NN        NN         NN          NN            NN     NN             NN
data_admin                 YY        NN         NN          NN            NN     NN             NN
deactivated                NN        NN         NN          NN            NN     NN             NN
anonymous                  NN        NN         NN          NN            NN     NN             NN
org_admin                  YY        YY         YY          YY            YY     YY             YY
"""
EXPECTED = parse_table(PAGES_TABLE)


@pytest.fixture
def pages_world(world):
    """world plus one pool customer per team, and the account of each team acted upon."""
    from kehu.customers.services import pool_release
    from tests.factories import make_customer

    from kehu.accounts.services import user_create

    # Previous owners who are not in the table: one may not reclaim what left one for the pool.
    leaver = user_create(None, username="left.rep", role="rep", team=world.team_a, password="Kehu-2026-secret")
    pool = {}
    for key, owner in (("ours", leaver), ("theirs", world.rep_b)):
        customer = make_customer(owner, name=f"公海客户{key}有限公司")
        pool_release(owner, customer.pk, reason="长期未跟进")
        pool[key] = Customer.objects.get(pk=customer.pk)
    world.extra.update(pool=pool, member={"ours": world.other_rep, "theirs": world.rep_b2})
    return world


def _ok(response, *codes) -> bool:
    """Allowed when the answer is one of `codes` (a redirect to sign-in never is); 403, 404 and
    the sign-in redirect are refusals."""
    assert response.status_code in (*codes, 302, 403, 404), (response.status_code, response.content[:300])
    if response.status_code == 302 and "/signin/" in response["Location"]:
        return False
    return response.status_code in codes


def _pool_view(world, user, side) -> bool:
    customer = world.extra["pool"][side]
    response = _web(user, "get", "web:pool")
    return _ok(response, 200) and customer.number in response.content.decode()


def _pool_claim(world, user, side) -> bool:
    customer = world.extra["pool"][side]
    _ok(_web(user, "post", "web:pool_claim", customer.pk), 302)
    customer.refresh_from_db()
    return customer.owner_id is not None and customer.owner_id == user.pk


def _pool_assign(world, user, side) -> bool:
    customer = world.extra["pool"][side]
    to = world.extra["member"][side]
    _ok(_web(user, "post", "web:pool_assign", customer.pk, data={"to_owner": to.pk}), 302)
    customer.refresh_from_db()
    return customer.owner_id == to.pk


def _accounts_view(world, user, side) -> bool:
    member = world.extra["member"][side]
    response = _web(user, "get", "web:team_accounts")
    return _ok(response, 200) and reverse("web:account_reset_password", args=[member.pk]) in response.content.decode()


def _unlock(world, user, side) -> bool:
    from kehu.accounts.signin import record_failure

    member = world.extra["member"][side]
    for _ in range(5):
        record_failure(member)
    _ok(_web(user, "post", "web:account_unlock", member.pk), 302)
    member.refresh_from_db()
    return member.locked_at is None


def _reset_password(world, user, side) -> bool:
    member = world.extra["member"][side]
    response = _web(user, "post", "web:account_reset_password", member.pk)
    member.refresh_from_db()
    return _ok(response, 200) and member.password_must_change


def _deactivate(world, user, side) -> bool:
    member = world.extra["member"][side]
    _ok(_web(user, "post", "web:account_deactivate", member.pk, data={"reason": "矩阵"}), 302)
    member.refresh_from_db()
    return not member.is_active


ACTIONS = {"pool_view": _pool_view, "pool_claim": _pool_claim, "pool_assign": _pool_assign,
           "accounts_view": _accounts_view, "unlock": _unlock, "reset_password": _reset_password,
           "deactivate": _deactivate}


@pytest.mark.parametrize("role", ROLES)
def test_pages_matrix(pages_world, role):
    world = pages_world
    user = world.users[role]
    mismatches = []
    for name, action in ACTIONS.items():
        expected = EXPECTED[role][name]
        got = (attempt(action, world, user, "ours"), attempt(action, world, user, "theirs"))
        if got != expected:
            mismatches.append(f"{name}: expected {''.join('Y' if a else 'N' for a in expected)}, "
                              f"got {''.join('Y' if a else 'N' for a in got)}")
    assert not mismatches, f"pages/{role}:\n" + "\n".join(mismatches)


def test_table_covers_every_role_and_action():
    assert set(EXPECTED) == set(ROLES)
    assert set(next(iter(EXPECTED.values()))) == set(ACTIONS)
