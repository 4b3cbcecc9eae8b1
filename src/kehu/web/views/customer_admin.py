"""A manager's pages for one customer's fate (R32, R34): soft delete with a confirmation, the
deleted customers to restore, and the handover of a customer to another owner with their open
actions. The bulk handover of a selection is on the list (kehu.web.bulk).

The writes are kehu.customers.services' (customer_soft_delete, customer_restore,
customer_handover): they check the policy, lock the row and write the audit log; these views
only show the controls to those the policy allows and map NotFound → 404; a refusal
(PermissionDenied, the service's or ours) is Django's 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.errors import ConflictError, NotFound, ValidationError
from kehu.core.policy import get_visible_customer, is_id, visible_customers
from kehu.customers.services import customer_handover, customer_restore, customer_soft_delete
from kehu.web.access import access_of, customer_for, error_dict, web_view
from kehu.web.views.pool import assignees

PAGE = 50


def may_manage_customers(access) -> bool:
    """Who gets the delete, restore and handover pages at all: the org admin and team leads
    (the policy decides customer by customer)."""
    return access.is_org_admin or (access.active and access.is_team_lead)


def _managed(request, pk: int):
    """A live customer the user may delete and hand over: 404 if they may not see it, 403 if
    they see it but may not (a rep's own customer)."""
    customer = customer_for(access_of(request), pk)
    if not access_of(request).may_delete(customer):
        raise PermissionDenied
    return customer


@web_view
def customer_delete_view(request, pk: int):
    customer = _managed(request, pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            customer_soft_delete(request.user, customer.pk, version=int(version) if is_id(version) else 0,
                                 reason=request.POST.get("reason", "").strip())
        except (ValidationError, ConflictError) as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("%(name)s was deleted. A manager can restore it from the deleted customers.")
                             % {"name": customer.name})
            return HttpResponseRedirect(reverse("web:customer_list"))
    return render(request, "web/customers/delete.html", {"customer": customer, "errors": errors},
                  status=409 if errors else 200)


@web_view
def deleted_customers(request):
    """The deleted customers the user may restore, newest deletion first (keyset by id)."""
    access = access_of(request)
    if not may_manage_customers(access):
        raise PermissionDenied
    rows = visible_customers(access, include_deleted=True).filter(deleted_at__isnull=False)
    if not access.is_org_admin:
        rows = rows.filter(team_id__in=sorted(access.led_team_ids))
    cursor = request.GET.get("cursor") or ""
    if cursor:
        if not is_id(cursor):
            raise Http404
        rows = rows.filter(pk__lt=int(cursor))
    page = list(rows.select_related("owner", "deleted_by").order_by("-id")[:PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    context = {"customers": page, "next_cursor": str(page[-1].pk) if more else None, "paged": bool(cursor)}
    return render(request, "web/customers/deleted.html", context)


@web_view
@require_POST
def customer_restore_view(request, pk: int):
    access = access_of(request)
    try:
        customer = get_visible_customer(access, pk, include_deleted=True)
    except NotFound as exc:
        raise Http404 from exc
    if not access.may_delete(customer):
        raise PermissionDenied
    try:
        customer = customer_restore(request.user, customer.pk)
    except (ValidationError, ConflictError) as exc:
        for texts in error_dict(exc).values():
            for text in texts:
                messages.error(request, text)
        return HttpResponseRedirect(reverse("web:customer_deleted"))
    messages.success(request, _("%(name)s is restored.") % {"name": customer.name})
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
def customer_handover_view(request, pk: int):
    customer = _managed(request, pk)
    access = access_of(request)
    people = [p for p in assignees(access) if p.pk != customer.owner_id]
    values = {"to_owner": "", "reason": "", "keep_as_collaborator": False}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {"to_owner": request.POST.get("to_owner", ""), "reason": request.POST.get("reason", "").strip(),
                  "keep_as_collaborator": bool(request.POST.get("keep_as_collaborator"))}
        to_owner = int(values["to_owner"]) if is_id(values["to_owner"]) else None
        try:
            customer_handover(request.user, [customer.pk], to_owner=to_owner, reason=values["reason"],
                              keep_as_collaborator=values["keep_as_collaborator"])
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            customer.refresh_from_db()
            messages.success(request, _("%(name)s was handed over to %(owner)s.")
                             % {"name": customer.name, "owner": customer.owner})
            return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))
    context = {"customer": customer, "people": people, "values": values, "errors": errors,
               "form_errors": [m for key, texts in errors.items() if key not in ("to_owner", "reason") for m in texts]}
    return render(request, "web/customers/handover.html", context, status=422 if errors else 200)
