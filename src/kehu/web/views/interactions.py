"""Log an interaction with its next action (R13, R14): from the list or the customer page in two
clicks — "Log", then "Save" — with the time preset to now and the customer's owner as "who"."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ValidationError
from kehu.core.policy import may_record_interaction
from kehu.followup.models import Interaction, InteractionMethod, Mood, Priority, Task
from kehu.followup.services import interaction_record
from kehu.web import choices
from kehu.web.access import customer_for, error_dict, web_view
from kehu.web.forms import FieldSpec, model_field, nonfield_errors, options

TEXTS = ("summary", "feedback", "next_step")
MORE_TEXTS = ("need_change", "commitments")


def _local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _fields(customer, values: dict, errors: dict, user) -> dict:
    methods = list(InteractionMethod.objects.filter(is_active=True).order_by("position", "code"))
    contacts = list(customer.contacts.filter(is_active=True).values_list("pk", "name", "title"))
    people = choices.people_for(user)
    if customer.owner_id and all(p.pk != customer.owner_id for p in people):
        people = [customer.owner, *people]
    f = {
        "occurred_at": FieldSpec(name="occurred_at", label=str(Interaction._meta.get_field("occurred_at").verbose_name),
                                 kind="datetime", value=values.get("occurred_at", ""), required=True,
                                 errors=errors.get("occurred_at", [])),
        "contact": FieldSpec(name="contact", label=_("Contact"), kind="select", value=values.get("contact", ""),
                             groups=options((pk, f"{name} · {title}") for pk, name, title in contacts),
                             errors=errors.get("contact", [])),
        "texts": [model_field(Interaction, name, values, errors, required=True, rows=2) for name in TEXTS],
        "more": [model_field(Interaction, name, values, errors, rows=2) for name in MORE_TEXTS],
        "task_title": FieldSpec(name="next_action.title", label=str(Task._meta.get_field("title").verbose_name),
                                value=values.get("next_action.title", ""), errors=errors.get("next_action.title", []),
                                wide=True),
        "task_owner": FieldSpec(name="next_action.owner", label=str(Task._meta.get_field("owner").verbose_name),
                                kind="select", no_blank=True,
                                value=values.get("next_action.owner") or customer.owner_id or user.pk,
                                groups=options((p.pk, str(p)) for p in people),
                                errors=errors.get("next_action.owner", [])),
        "task_due": FieldSpec(name="next_action.due_at", label=str(Task._meta.get_field("due_at").verbose_name),
                              kind="datetime", value=values.get("next_action.due_at", ""),
                              errors=errors.get("next_action.due_at", [])),
    }
    return {"f": f, "methods": methods, "moods": Mood.choices, "priorities": Priority.choices}


@web_view
def interaction_create(request, pk: int):
    user = request.user
    customer = customer_for(user, pk)
    if not may_record_interaction(user, customer):
        raise PermissionDenied
    back = _safe_next(request, reverse("web:customer_detail", args=[customer.pk]))
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "").strip() for key in post if key != "csrfmiddlewaretoken"}
        data = {name: values.get(name, "") for name in ("occurred_at", "method", "mood", "contact", *TEXTS,
                                                         *MORE_TEXTS)}
        responded = values.get("responded", "")
        data["responded"] = None if responded == "" else responded == "yes"
        next_action = None
        if values.get("next_action.title"):  # the due time is preset, so the title decides
            next_action = {"title": values.get("next_action.title", ""), "due_at": values.get("next_action.due_at", ""),
                           "priority": values.get("next_action.priority") or "medium",
                           "owner": int(values["next_action.owner"]) if values.get("next_action.owner", "").isdigit()
                           else None}
        try:
            interaction_record(user, customer.pk, next_action=next_action, **data)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Interaction recorded.") + (" " + _("Next action planned.") if next_action else ""))
            return HttpResponseRedirect(back)
    else:
        default_due = clock.now() + dt.timedelta(days=3)
        values = {"occurred_at": _local_input(clock.now()), "method": "phone", "next_action.priority": "medium",
                  "next_action.due_at": _local_input(default_due.replace(hour=10, minute=0))}
    context = {"customer": customer, "values": values, "next": back, **_fields(customer, values, errors, user)}
    known = {"occurred_at", "contact", "method", "mood", "responded", *TEXTS, *MORE_TEXTS, "next_action.title",
             "next_action.owner", "next_action.due_at", "next_action.priority"}
    context["form_errors"] = nonfield_errors(errors, known)
    context["errors"] = errors
    return render(request, "web/interactions/form.html", context, status=422 if errors else 200)
