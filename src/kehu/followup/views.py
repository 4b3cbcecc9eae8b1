"""Complaint pages (R18): the list with missed deadlines flagged, recording one for a customer,
and answering, resolving or reopening it. Thin: parse, call the service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ConflictError, PermissionDenied, ValidationError
from kehu.core.policy import may_record_interaction
from kehu.followup import queries
from kehu.followup.models import Complaint, ComplaintStatus, InteractionMethod
from kehu.followup.services import complaint_open, complaint_reopen, complaint_resolve, complaint_respond
from kehu.web.access import customer_for, error_dict, web_view
from kehu.web.forms import FieldSpec, model_field, nonfield_errors, options

FORM_FIELDS = ("description", "channel", "severity", "contact", "received_at")


@web_view
def complaint_list(request):
    show_all = request.GET.get("all") == "1"
    rows = queries.complaints(request.user, unresolved=not show_all)[:200]
    return render(request, "followup/complaints/list.html", {"complaints": rows, "show_all": show_all, "now": clock.now()})


def _form(customer, values: dict, errors: dict) -> list[FieldSpec]:
    methods = InteractionMethod.objects.filter(is_active=True).order_by("position", "code")
    contacts = customer.contacts.filter(is_active=True).values_list("pk", "name", "title")
    return [
        model_field(Complaint, "description", values, errors, required=True, rows=4, wide=True),
        model_field(Complaint, "channel", values, errors, kind="select", required=True,
                    groups=options((m.code, str(m)) for m in methods)),
        model_field(Complaint, "severity", values, errors, required=True, no_blank=True),
        model_field(Complaint, "contact", values, errors, kind="select",
                    groups=options((pk, f"{name} · {title}") for pk, name, title in contacts)),
        model_field(Complaint, "received_at", values, errors, kind="datetime", required=True),
    ]


@web_view
def complaint_create(request, pk: int):
    customer = customer_for(request.user, pk)
    if not may_record_interaction(request.user, customer):
        raise Http404
    errors: dict = {}
    values = {"severity": "medium", "received_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M")}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in FORM_FIELDS}
        try:
            complaint = complaint_open(request.user, customer.pk, **values)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Complaint recorded; the response is due by %(due)s.")
                             % {"due": timezone.localtime(complaint.response_due_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("followup:complaint_detail", pk=complaint.pk)
    return render(request, "followup/complaints/form.html", {
        "customer": customer, "fields": _form(customer, values, errors),
        "form_errors": nonfield_errors(errors, FORM_FIELDS)})


ACTIONS = {
    "respond": (complaint_respond, "response"),
    "resolve": (complaint_resolve, "resolution"),
    "reopen": (complaint_reopen, "reason"),
}


@web_view
def complaint_detail(request, pk: int):
    complaint = queries.complaints(request.user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    may_handle = complaint.handler_id == request.user.pk or may_record_interaction(request.user, complaint.customer)
    errors: dict = {}
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None or not may_handle:
            raise Http404
        service, text_field = action
        try:
            service(request.user, complaint.pk, version=int(request.POST.get("version") or 0),
                    **{text_field: request.POST.get(text_field, "")})
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            errors = error_dict(exc)
        else:
            return redirect("followup:complaint_detail", pk=complaint.pk)
    status = complaint.status
    return render(request, "followup/complaints/detail.html", {
        "complaint": complaint, "errors": errors, "may_handle": may_handle, "now": clock.now(),
        "can_respond": status in (ComplaintStatus.OPEN, ComplaintStatus.REOPENED),
        "can_resolve": status != ComplaintStatus.RESOLVED, "can_reopen": status == ComplaintStatus.RESOLVED,
        "form_errors": nonfield_errors(errors, ("response", "resolution", "reason")),
    })
