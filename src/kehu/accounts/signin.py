"""Signing in safely: lock-out after repeated failures, and who may use the app at all.

- `signin_lockout_threshold` consecutive wrong passwords lock the account for
  `signin_lockout_minutes` (0: until a manager unlocks it, services.user_unlock); the sign-in
  form says so plainly (forms.SignInForm). A right password resets the count.
- `user_may_authenticate(user)` is the one answer to "may this user's credentials work right
  now": sessions (Django's get_user via this backend), API tokens and calendar feeds all ask it,
  so a deactivated user is locked out everywhere on their next request.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.core import audit, clock, config


def user_may_authenticate(user) -> bool:
    """Active and not deactivated: the check API token and feed authentication must call."""
    return bool(user is not None and getattr(user, "is_active", False) and getattr(user, "deactivated_at", None) is None)


def locked_until(user, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the lock ends (a far-future moment for "until unlocked"), or None if not locked."""
    if user is None or user.locked_at is None:
        return None
    minutes = int(config.get("signin_lockout_minutes"))
    if minutes <= 0:
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    until = user.locked_at + dt.timedelta(minutes=minutes)
    return until if until > (now or clock.now()) else None


def is_locked(user, now: dt.datetime | None = None) -> bool:
    return locked_until(user, now) is not None


def locked_message(user) -> str:
    until = locked_until(user)
    if until is None:
        return ""
    if until.year == dt.MAXYEAR:
        return _("This account is locked after too many failed sign-ins. Ask your manager to unlock it.")
    from django.utils import timezone

    return _(
        "This account is locked after too many failed sign-ins. Try again after %(time)s, "
        "or ask your manager to unlock it."
    ) % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}


def record_failure(user) -> None:
    """Count a wrong password; lock the account at the threshold (written to the audit log)."""
    User = get_user_model()
    now = clock.now()
    if user.locked_at is not None and not is_locked(user, now):
        # An expired lock starts a fresh count.
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_at=None)
    User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    user.refresh_from_db(fields=["failed_sign_ins", "locked_at"])
    threshold = int(config.get("signin_lockout_threshold"))
    if threshold > 0 and user.failed_sign_ins >= threshold and user.locked_at is None:
        User.objects.filter(pk=user.pk, locked_at__isnull=True).update(locked_at=now)
        user.locked_at = now
        audit.record(None, "user.lock", user, changes={"failed_sign_ins": [None, user.failed_sign_ins]})


def record_success(user) -> None:
    if user.failed_sign_ins or user.locked_at is not None:
        get_user_model().objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_at=None)
        user.failed_sign_ins, user.locked_at = 0, None


class LockoutBackend(ModelBackend):
    """Django's password check with the lock-out around it, and no sign-in for the deactivated."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # the same time spent as for a real user (Django #20760)
            return None
        if is_locked(user):
            return None  # the form explains; a right password does not open a locked account
        if not user.check_password(password):
            if self.user_can_authenticate(user):
                record_failure(user)
            return None
        if not self.user_can_authenticate(user):
            return None
        record_success(user)
        return user

    def user_can_authenticate(self, user) -> bool:
        return user_may_authenticate(user)
