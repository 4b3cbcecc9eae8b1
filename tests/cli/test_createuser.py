"""`kehu createuser`: the account is made through the service; bad input names the field."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from kehu.accounts.models import Role, User


@pytest.mark.django_db
def test_createuser_makes_the_account_and_shows_a_working_password_once(team):
    out = io.StringIO()
    call_command(
        "createuser", "sun.rep", role="rep", team=team.name, display_name="孙销售",
        email="sun@example.cn", stdout=out,
    )
    user = User.objects.get(username="sun.rep")
    assert (user.role, user.team, user.display_name, user.email) == (Role.REP, team, "孙销售", "sun@example.cn")
    assert not user.is_superuser
    password = re.split(r"[\s:：]+", out.getvalue().strip())[-1]  # printed last, whatever the language
    assert out.getvalue().count(password) == 1
    assert authenticate(username="sun.rep", password=password) == user


@pytest.mark.django_db
def test_superuser_flag_makes_a_superuser():
    call_command("createuser", "boss", role="manager", superuser=True, stdout=io.StringIO())
    user = User.objects.get(username="boss")
    assert user.is_superuser and user.is_staff and user.role == Role.MANAGER


@pytest.mark.django_db
def test_a_bad_role_names_the_role_field():
    with pytest.raises(CommandError) as excinfo:
        call_command("createuser", "zhou", role="boss", stdout=io.StringIO())
    assert re.search(r"^role: .*manager, rep, collaborator, data_admin", str(excinfo.value), re.MULTILINE)
    assert not User.objects.filter(username="zhou").exists()


@pytest.mark.django_db
def test_a_taken_username_names_the_username_field(rep):
    with pytest.raises(CommandError) as excinfo:
        call_command("createuser", rep.username.upper(), role="rep", stdout=io.StringIO())
    assert re.search(r"^username: .*" + re.escape(rep.username.upper()), str(excinfo.value), re.MULTILINE)
    assert User.objects.filter(username__iexact=rep.username).count() == 1


@pytest.mark.django_db
def test_an_unknown_team_names_the_team_field():
    with pytest.raises(CommandError, match=r"^team: .*无此团队|^team: "):
        call_command("createuser", "wu", role="rep", team="无此团队", stdout=io.StringIO())
    assert not User.objects.filter(username="wu").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_errors_go_to_stderr_with_a_non_zero_exit(kehu, rep):
    result = kehu("createuser", rep.username, "--role", "boss")
    assert result.returncode != 0
    assert re.search(r"^username: ", result.stderr, re.MULTILINE)
    assert re.search(r"^role: ", result.stderr, re.MULTILINE)
    assert result.stdout == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_password_from_stdin_is_used_and_not_printed(kehu):
    result = kehu("createuser", "qian.data", "--role", "data_admin", "--password-stdin", stdin="Qian-2026-secret\n")
    assert result.returncode == 0, result.stderr
    assert "Qian-2026-secret" not in result.stdout
    assert authenticate(username="qian.data", password="Qian-2026-secret").role == Role.DATA_ADMIN


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_weak_password_from_stdin_names_the_password_field(kehu):
    result = kehu("createuser", "weak", "--role", "rep", "--password-stdin", stdin="123\n")
    assert result.returncode != 0
    assert re.search(r"^password: ", result.stderr, re.MULTILINE)
    assert not User.objects.filter(username="weak").exists()
