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


# --- account safety (R32 accounts): managers unlock, reset passwords, deactivate ------------------

def _managed_user(actor, user_id) -> User:
    from kehu.core.errors import NotFound
    from kehu.core.policy import is_id, may_manage_user, require

    pk = getattr(user_id, "pk", user_id)
    target = User.objects.filter(pk=pk).first() if is_id(pk) else None
    if target is None:
        raise NotFound(user_id)
    require(may_manage_user(actor, target), _("You may manage only the reps and collaborators of the teams you lead."))
    return target


@transaction.atomic
def user_unlock(actor, user_id) -> User:
    """Lift a sign-in lock-out (and the count of failures)."""
    target = _managed_user(actor, user_id)
    changes = {"locked_at": [audit.plain(target.locked_at), None], "failed_sign_ins": [target.failed_sign_ins, 0]}
    User.objects.filter(pk=target.pk).update(locked_at=None, failed_sign_ins=0)
    target.refresh_from_db()
    audit.record(actor, "user.unlock", target, changes=changes)
    return target


@transaction.atomic
def user_reset_password(actor, user_id, *, password: str | None = None) -> str:
    """A manager sets a new password for a rep (generated when none is given; the caller shows
    it once). The rep's sessions end at once (Django ties a session to the password hash), the
    account is unlocked, and the rep must choose a new password after signing in."""
    target = _managed_user(actor, user_id)
    password = password or generate_password()
    try:
        validate_password(password, target)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from None
    target.set_password(password)
    target.failed_sign_ins, target.locked_at, target.password_must_change = 0, None, True
    target.save(update_fields=["password", "failed_sign_ins", "locked_at", "password_must_change"])
    audit.record(actor, "user.password_reset", target)  # never the password itself
    return password


@transaction.atomic
def user_deactivate(actor, user_id, *, reason: str = "") -> User:
    """Sign-in, sessions and API tokens stop working on the user's next request. Their customers
    stay theirs until handed over (kehu.customers.services.customer_handover_all)."""
    from kehu.core import clock

    target = _managed_user(actor, user_id)
    if not target.is_active:
        return target
    now = clock.now()
    User.objects.filter(pk=target.pk).update(is_active=False, deactivated_at=now)
    target.refresh_from_db()
    audit.record(actor, "user.deactivate", target, changes={"is_active": [True, False]}, note=(reason or "").strip())
    return target


@transaction.atomic
def user_reactivate(actor, user_id) -> User:
    target = _managed_user(actor, user_id)
    if target.is_active:
        return target
    User.objects.filter(pk=target.pk).update(is_active=True, deactivated_at=None, failed_sign_ins=0, locked_at=None)
    target.refresh_from_db()
    audit.record(actor, "user.reactivate", target, changes={"is_active": [False, True]})
    return target


@transaction.atomic
def user_password_changed(user) -> None:
    """The user chose a new password themselves (the change-password page saved it): the
    "must change" mark of a manager's reset is lifted."""
    if user is None or not user.password_must_change:
        return
    User.objects.filter(pk=user.pk).update(password_must_change=False)
    user.password_must_change = False
    audit.record(user, "user.password_change", user)  # never the password itself
