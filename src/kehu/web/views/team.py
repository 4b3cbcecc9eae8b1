"""Account admin for managers: the users of the teams they lead (the org admin: everyone) —
unlock a locked-out user, reset a password (shown once; the user must change it at the next
sign-in), deactivate (their sessions and API tokens stop at once) or reactivate. The writes are
kehu.accounts.services', which check policy.may_manage_user and write the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kehu.accounts.models import User
from kehu.accounts.services import user_deactivate, user_reactivate, user_reset_password, user_unlock
from kehu.accounts.signin import is_locked
from kehu.core.errors import ValidationError
from kehu.core.policy import access_for, may_manage_user
from kehu.web.access import access_of, error_dict, web_view


def may_manage_accounts(user) -> bool:
    access = access_for(user)
    return access.is_org_admin or (access.active and access.is_team_lead)


def team_users(access) -> list[User]:
    rows = User.objects.exclude(pk=access.pk).select_related("team")
    if not access.is_org_admin:
        rows = rows.filter(team_id__in=sorted(access.led_team_ids))
    return list(rows.order_by("team__name", "-is_active", "display_name", "username")[:500])


@web_view
def team_accounts(request):
    access = access_of(request)
    if not may_manage_accounts(access):
        raise PermissionDenied
    rows = [{"user": u, "locked": is_locked(u), "manage": may_manage_user(access, u)} for u in team_users(access)]
    return render(request, "web/team/accounts.html", {"rows": rows})


def _target(request, pk: int) -> User:
    """A user the actor may manage; anyone else is not found (no hint who exists)."""
    target = User.objects.filter(pk=pk).first()
    if target is None or not may_manage_user(access_of(request), target):
        raise Http404
    return target


def _done(request, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("web:team_accounts"))


def _failed(request, exc) -> HttpResponseRedirect:
    for texts in error_dict(exc).values():
        for text in texts:
            messages.error(request, text)
    return HttpResponseRedirect(reverse("web:team_accounts"))


@web_view
@require_POST
def account_unlock(request, pk: int):
    target = _target(request, pk)
    user_unlock(request.user, target.pk)
    return _done(request, _("%(name)s can sign in again.") % {"name": target})


@web_view
@require_POST
@never_cache
def account_reset_password(request, pk: int):
    """The new password is shown on this one response only (never in a URL, message or log)."""
    target = _target(request, pk)
    try:
        password = user_reset_password(request.user, target.pk)
    except ValidationError as exc:
        return _failed(request, exc)
    return render(request, "web/team/password_reset.html", {"target": target, "password": password})


@web_view
@require_POST
def account_deactivate(request, pk: int):
    target = _target(request, pk)
    user_deactivate(request.user, target.pk, reason=request.POST.get("reason", ""))
    return _done(request, _("%(name)s is deactivated: signed out everywhere, API tokens stopped.") % {"name": target})


@web_view
@require_POST
def account_reactivate(request, pk: int):
    target = _target(request, pk)
    user_reactivate(request.user, target.pk)
    return _done(request, _("%(name)s is active again.") % {"name": target})
