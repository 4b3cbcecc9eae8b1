"""Personas for the web pages: the owner rep, a colleague, the team lead, an outsider (a rep of
another team), a collaborator who may only record interactions, and a data admin."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.factories import make_customer

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture
def other_team(db):
    from kehu.accounts.services import team_create

    return team_create(None, name="华南销售组")


@pytest.fixture
def outsider(other_team):
    """A rep of another team: must not learn that our customers exist."""
    from kehu.accounts.services import user_create

    return user_create(None, username="lin.rep", role="rep", display_name="林销售", team=other_team)


@pytest.fixture
def collaborator(db):
    from kehu.accounts.services import user_create

    return user_create(None, username="xu.marketing", role="collaborator", display_name="徐市场")


@pytest.fixture
def data_admin(db):
    from kehu.accounts.services import user_create

    return user_create(None, username="tang.data", role="data_admin", display_name="唐数据")


@pytest.fixture
def customer(rep, manager):
    return make_customer(rep, name="苏州恒力汽车零部件有限公司", short_name="恒力",
                         contacts=[{"name": "张伟", "title": "采购经理", "phones": ["139-1234-5678"],
                                    "emails": ["zhangwei@example.com"]}])


@pytest.fixture
def shared_customer(customer, collaborator):
    """`customer` with `collaborator` linked: may see it and record interactions, edit nothing."""
    from kehu.customers.models import CustomerCollaborator

    CustomerCollaborator.objects.create(customer=customer, user=collaborator, can_record_interaction=True)
    return customer


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    return client_for
