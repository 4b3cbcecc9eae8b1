"""Writes on users and teams."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts.models import Role, Team, User
from kehu.core import audit
from kehu.core.errors import ValidationError


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(
    actor: User | None,
    *,
    username: str,
    password: str | None = None,
    role: str = Role.REP,
    display_name: str = "",
    email: str = "",
    team: Team | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user; with no password given one is generated (the caller shows it once)."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("Username is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The username %(name)s is already taken.") % {"name": username}]
    if role not in Role.values:
        errors["role"] = [_("Role must be one of: %(choices)s.") % {"choices": ", ".join(Role.values)}]
    user = User(username=username, role=role, display_name=display_name, email=email, team=team,
                is_superuser=is_superuser, is_staff=is_superuser or role in (Role.MANAGER, Role.DATA_ADMIN))
    if password is not None and "username" not in errors:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password or generate_password())
    user.save()
    audit.record(actor, "user.create", user, changes={"username": [None, username], "role": [None, role]})
    return user


@transaction.atomic
def team_create(actor: User | None, *, name: str, lead: User | None = None) -> Team:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Team name is required.")]})
    if Team.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("A team named %(name)s already exists.") % {"name": name}]})
    team = Team.objects.create(name=name, lead=lead)
    if lead is not None and lead.team_id is None:
        User.objects.filter(pk=lead.pk).update(team=team)
    audit.record(actor, "team.create", team, changes={"name": [None, name]})
    return team
