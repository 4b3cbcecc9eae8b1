"""The pipeline board (R22): customers by stage; moving to deal asks for the contract date and
amount, to lost for the reason. Drag and drop needs JavaScript; the "move to" select on every card
does the same without it and from the keyboard."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core import clock
from kehu.core.errors import ConflictError, ValidationError
from kehu.core.policy import access_for, may_edit_customer, may_see_confidential, visible_customers
from kehu.customers.models import Stage
from kehu.customers.services import customer_change_stage
from kehu.web.access import customer_for, error_dict, web_view
from kehu.web.forms import FieldSpec

PER_COLUMN = 30


@web_view
def pipeline(request):
    user = request.user
    mine = request.GET.get("mine") == "1"
    base = visible_customers(user)
    if mine:
        base = base.filter(owner=user)
    columns = []
    access = access_for(user)
    for stage, label in Stage.choices:
        rows = list(base.filter(stage=stage).select_related("owner").order_by("-id")[: PER_COLUMN + 1])
        for row in rows:
            # A move to deal records the contract amount: only for those who may see amounts (R33).
            row.may_record_amounts = access.may_see_confidential(row)
        columns.append({"stage": stage, "label": label, "customers": rows[:PER_COLUMN], "more": len(rows) > PER_COLUMN})
    context = {"columns": columns, "mine": mine, "stages": Stage.choices, "per_column": PER_COLUMN,
               "deal_fields": _deal_fields({}, {}), "lost_fields": _lost_fields({}, {}), "today": clock.today()}
    return render(request, "web/pipeline/board.html", context)


def _deal_fields(values: dict, errors: dict) -> list[FieldSpec]:
    return [
        FieldSpec(name="contract_date", label=_("Contract date"), kind="date", required=True,
                  value=values.get("contract_date", clock.today().isoformat()), errors=errors.get("contract_date", [])),
        FieldSpec(name="amount", label=_("Contract amount (CNY)"), kind="decimal", required=True,
                  value=values.get("amount", ""), errors=errors.get("amount", [])),
        FieldSpec(name="products", label=_("Products"), value=values.get("products", ""),
                  errors=errors.get("products", [])),
    ]


def _lost_fields(values: dict, errors: dict) -> list[FieldSpec]:
    return [FieldSpec(name="reason", label=_("Reason lost"), kind="textarea", required=True, rows=2,
                      value=values.get("reason", ""), errors=errors.get("reason", []))]


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("web:pipeline")


def _move(request, customer):
    """Apply the move in POST; on errors show the move page with them next to the fields."""
    if not may_edit_customer(request.user, customer):
        raise PermissionDenied
    post = request.POST
    stage = post.get("stage", "")
    values = {k: post.get(k, "").strip() for k in ("contract_date", "amount", "products", "reason")}
    extra = {"products": values["products"]} if stage == Stage.DEAL and values["products"] else {}
    try:
        customer_change_stage(
            request.user, customer.pk, version=int(post.get("version") or 0), stage=stage, reason=values["reason"],
            contract_date=values["contract_date"] or None, amount=values["amount"] or None, **extra,
        )
    except (ValidationError, ConflictError) as exc:
        return _move_page(request, customer, stage=stage, values=values, errors=error_dict(exc))
    messages.success(request, _("%(name)s moved to %(stage)s.")
                     % {"name": customer.name, "stage": dict(Stage.choices).get(stage, stage)})
    return HttpResponseRedirect(_next(request))


def _move_page(request, customer, *, stage: str, values: dict, errors: dict):
    known = {"contract_date", "amount", "products", "reason", "stage"}
    amounts = may_see_confidential(request.user, customer)
    context = {
        "customer": customer, "stage": stage, "may_record_amounts": amounts,
        "stages": [s for s in Stage.choices if s[0] != customer.stage and (amounts or s[0] != Stage.DEAL)],
        "deal_fields": _deal_fields(values, errors), "lost_fields": _lost_fields(values, errors),
        "stage_errors": errors.get("stage", []), "next": _next(request),
        # Without the deal fields on the page, their errors (the amount refused) go on top.
        "form_errors": [m for k, ms in errors.items()
                        if k not in known or (not amounts and k in {"contract_date", "amount", "products"}) for m in ms],
    }
    return render(request, "web/pipeline/move.html", context, status=422 if errors else 200)


@web_view
def stage_move(request, pk: int):
    customer = customer_for(request.user, pk)
    if request.method == "POST":
        return _move(request, customer)
    if not may_edit_customer(request.user, customer):
        raise PermissionDenied
    return _move_page(request, customer, stage=request.GET.get("stage", ""), values={}, errors={})


@web_view
@require_POST
def pipeline_move(request):
    pk = request.POST.get("customer", "")
    if not pk.isdigit():
        raise Http404
    return _move(request, customer_for(request.user, int(pk)))
