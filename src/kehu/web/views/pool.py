"""The public pool page (公海): the pool customers a user may browse (policy.pool_customers), with
a search; a rep or manager claims one up to the daily limit; a team lead assigns one to a member.
The writes are kehu.customers.services.pool's (limits, audit, timeline); this page only calls them.
Pool customers are shown with basic information only: nobody owns them, so nobody here sees
their confidential data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.models import User
from kehu.core import clock, config
from kehu.core.errors import NotFound, ValidationError
from kehu.core.models import AuditEvent
from kehu.core.policy import OWNER_ROLES, is_id, may_assign_from_pool, pool_customers
from kehu.customers.services.pool import day_start, pool_assign, pool_claim
from kehu.web.access import access_of, error_dict, web_view

PAGE = 50


def may_browse_pool(user) -> bool:
    """Who the navigation shows the pool to: those for whom the policy's pool is not empty by rule."""
    from kehu.core.policy import access_for

    access = access_for(user)
    return access.active and (access.sees_all_customers or access.role in OWNER_ROLES or access.is_team_lead)


def _search(rows, q: str):
    q = q.strip()
    if not q:
        return rows
    match = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(number=q)
    if q.isascii() and q.isalpha():
        match |= Q(name_initials__startswith=q.lower()) | Q(name_pinyin__startswith=q.lower())
    return rows.filter(match)


def _after(cursor: str):
    """Keyset: newest in the pool first, then by id."""
    moment_text, _sep, pk = cursor.rpartition("_")
    moment = parse_datetime(moment_text) if moment_text else None
    if moment is None or not is_id(pk):
        return None
    return Q(pool_entered_at__lt=moment) | Q(pool_entered_at=moment, id__lt=int(pk))


def _cursor(customer) -> str:
    return f"{customer.pool_entered_at.isoformat()}_{customer.pk}"


def claims_today(user) -> int:
    return AuditEvent.objects.filter(actor=user, action="customer.pool_claim", at__gte=day_start(clock.today())).count()


def assignees(access) -> list[User]:
    """Whom a team lead may give a pool customer: active reps and managers of the teams they lead
    (the org admin: all of them)."""
    rows = User.objects.filter(is_active=True, role__in=sorted(OWNER_ROLES))
    if not access.is_org_admin:
        rows = rows.filter(team_id__in=sorted(access.led_team_ids))
    return list(rows.order_by("display_name", "username")[:500])


@web_view
def pool(request):
    access = access_of(request)
    if not may_browse_pool(access):
        raise PermissionDenied
    q = request.GET.get("q", "")
    rows = _search(pool_customers(access), q).select_related("industry", "team", "previous_owner")
    cursor = request.GET.get("cursor") or ""
    if cursor:
        after = _after(cursor)
        if after is None:
            raise Http404
        rows = rows.filter(after)
    page = list(rows.order_by("-pool_entered_at", "-id")[:PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    may_claim = access.role in OWNER_ROLES
    limit = int(config.get("pool_claim_limit_per_day"))
    assign_to = assignees(access) if (access.is_org_admin or access.is_team_lead) else []
    items = [{"customer": c, "may_assign": bool(assign_to) and may_assign_from_pool(access, c),
              "days": (clock.today() - timezone.localdate(c.pool_entered_at)).days} for c in page]
    context = {
        "items": items, "q": q, "next_cursor": _cursor(page[-1]) if more else None, "paged": bool(cursor),
        "may_claim": may_claim, "limit": limit, "claimed": claims_today(access.user) if may_claim else 0,
        "assignees": assign_to,
    }
    return render(request, "web/pool/list.html", context)


def _back(request) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if not target.startswith(reverse("web:pool")):
        target = reverse("web:pool")
    return HttpResponseRedirect(target)


def _say_errors(request, exc) -> None:
    for messages_ in error_dict(exc).values():
        for message in messages_:
            messages.error(request, message)


@web_view
@require_POST
def pool_claim_view(request, pk: int):
    access = access_of(request)
    try:
        customer = pool_claim(access.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _say_errors(request, exc)
        return _back(request)
    messages.success(request, _("%(name)s is now your customer.") % {"name": customer.name})
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
@require_POST
def pool_assign_view(request, pk: int):
    access = access_of(request)
    to_owner = request.POST.get("to_owner", "")
    try:
        customer = pool_assign(access.user, pk, int(to_owner) if is_id(to_owner) else None,
                               reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _say_errors(request, exc)
        return _back(request)
    messages.success(request, _("%(name)s was assigned to %(owner)s.") % {"name": customer.name,
                                                                          "owner": customer.owner})
    return _back(request)

