"""Bulk actions on selected rows of the customers list: add a tag, change the owner.

Each customer goes through the same service as a single edit, so permissions, versions and the
audit log apply row by row; rows the user may not change are skipped and counted, never half-done.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.core.errors import ConflictError, PermissionDenied, ValidationError
from kehu.core.policy import access_for, visible_customers
from kehu.customers.services import customer_update
from kehu.web.access import access_of, error_dict, web_view

MAX_ROWS = 500


def _back(request) -> HttpResponseRedirect:
    target = request.POST.get("next") or reverse("web:customer_list")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("web:customer_list")
    return HttpResponseRedirect(target)


def _selected(request):
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:MAX_ROWS]
    return list(visible_customers(access_of(request)).filter(pk__in=ids).prefetch_related("tags"))


def _add_tag(user, customers, tag_name: str) -> tuple[int, int, list[str]]:
    done = skipped = 0
    problems: list[str] = []
    access = access_for(user).load_links(customers)
    for customer in customers:
        if not access.may_edit(customer):
            skipped += 1
            continue
        names = [t.name for t in customer.tags.all()]
        if tag_name in names:
            done += 1
            continue
        try:
            customer_update(user, customer.pk, version=customer.version, tags=[*names, tag_name])
            done += 1
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            problems.append(f"{customer.name}: {' '.join(m for ms in error_dict(exc).values() for m in ms)}")
    return done, skipped, problems


def _change_owner(request, customers, owner_id: str) -> tuple[int, int, list[str]]:
    """Hand the selected customers over (R34) in one go; those the user may not hand over are skipped."""
    from kehu.customers.services import customer_handover

    access = access_of(request)
    allowed = [c.pk for c in customers if access.may_handover(c)]
    skipped = len(customers) - len(allowed)
    if not owner_id.isdigit():
        return 0, skipped, [_("Choose the new owner.")]
    if not allowed:
        return 0, skipped, []
    try:
        moved = customer_handover(request.user, allowed, to_owner=int(owner_id), reason=request.POST.get("reason", ""),
                                  keep_as_collaborator=bool(request.POST.get("keep_as_collaborator")))
    except (ValidationError, PermissionDenied) as exc:
        return 0, skipped, [m for ms in error_dict(exc).values() for m in ms]
    return len(moved), skipped, []


@web_view
@require_POST
def customer_bulk(request):
    customers = _selected(request)
    action = request.POST.get("action", "")
    if not customers:
        messages.warning(request, _("Select at least one customer first."))
        return _back(request)
    if action == "tag" and request.POST.get("tag"):
        done, skipped, problems = _add_tag(request.user, customers, request.POST["tag"].strip())
    elif action == "owner":
        done, skipped, problems = _change_owner(request, customers, request.POST.get("owner", ""))
    else:
        messages.warning(request, _("Choose what to do with the selected customers."))
        return _back(request)
    if done:
        messages.success(request, ngettext("%(count)d customer updated.", "%(count)d customers updated.", done)
                         % {"count": done})
    if skipped:
        messages.warning(request, ngettext("%(count)d customer skipped: you may not change it.",
                                           "%(count)d customers skipped: you may not change them.", skipped)
                         % {"count": skipped})
    for problem in problems[:10]:
        messages.error(request, problem)
    return _back(request)
