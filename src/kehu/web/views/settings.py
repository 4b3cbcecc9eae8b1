"""Settings for data admins and managers: channels with their cost (R45), tags, industry phrases (R3)
and custom fields (R11). Every write goes through the reference-data services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.core.errors import ConflictError, ValidationError
from kehu.core.policy import may_manage_reference_data
from kehu.customers.models import Channel, ChannelCost, IndustryPhrase, Tag
from kehu.customers.services import channel_cost_set, channel_create, channel_update, tag_create
from kehu.customfields.models import CustomField, FieldKind, Target
from kehu.customfields.services import customfield_create, customfield_update
from kehu.web import choices
from kehu.web.access import error_dict, web_view
from kehu.web.forms import FieldSpec, model_field, model_label, nonfield_errors
from kehu.web.services import industry_phrase_add, industry_phrase_remove


def admin_view(view):
    @web_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_manage_reference_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _done(request, url_name: str, message: str):
    messages.success(request, message)
    return HttpResponseRedirect(reverse(url_name))


def _page(request, template: str, context: dict, errors: dict, known: set[str]):
    context.update({"form_errors": nonfield_errors(errors, known), "errors": errors})
    return render(request, template, context, status=422 if errors else 200)


@admin_view
def settings_index(request):
    return HttpResponseRedirect(reverse("web:settings_channels"))


# --- channels ----------------------------------------------------------------------------------

def _channel_fields(user, values: dict, errors: dict) -> list[FieldSpec]:
    fields = [model_field(Channel, name, values, errors, required=name == "name") for name in ("name", "tool", "description")]
    owners = [(p.pk, str(p)) for p in choices.people_for(user)]
    fields.insert(1, FieldSpec(name="owner", label=model_label(Channel, "owner"), kind="select",
                               value=values.get("owner", ""), groups=[("", owners)], errors=errors.get("owner", [])))
    return fields


def _channel_post(request) -> dict:
    values = {k: request.POST.get(k, "").strip() for k in ("name", "tool", "description", "owner")}
    people = {str(p.pk): p for p in choices.people_for(request.user)}
    return values | {"owner": people.get(values["owner"])}


def _cost_fields(values: dict, errors: dict) -> list[FieldSpec]:
    return [model_field(ChannelCost, name, values, errors, required=name != "note")
            for name in ("period_start", "period_end", "amount", "note")]


@admin_view
def settings_channels(request):
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = _channel_post(request)
        try:
            channel = channel_create(request.user, **values)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_channels", _("Channel %(name)s added.") % {"name": channel.name})
    latest = ChannelCost.objects.filter(channel=OuterRef("pk")).order_by("-period_start")
    channels = list(Channel.objects.select_related("owner").annotate(
        last_cost=Subquery(latest.values("amount")[:1]), last_period=Subquery(latest.values("period_start")[:1]),
    ).order_by("-is_active", "name"))
    fields = _channel_fields(request.user, _owner_as_id(values), errors)
    return _page(request, "web/settings/channels.html", {"channels": channels, "fields": fields, "tab": "channels"},
                 errors, {f.name for f in fields})


@admin_view
def settings_channel_edit(request, pk: int):
    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise Http404
    errors: dict = {}
    values = {"name": channel.name, "tool": channel.tool, "description": channel.description, "owner": channel.owner}
    cost_values: dict = {}
    if request.method == "POST" and request.POST.get("form") == "cost":
        cost_values = {k: request.POST.get(k, "").strip() for k in ("period_start", "period_end", "amount", "note")}
        try:
            channel_cost_set(request.user, channel.pk, **cost_values)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Cost saved."))
            return HttpResponseRedirect(reverse("web:settings_channel_edit", args=[channel.pk]))
    elif request.method == "POST":
        values = _channel_post(request)
        try:
            channel_update(request.user, channel.pk, is_active=bool(request.POST.get("is_active")), **values)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_channels", _("Channel %(name)s saved.") % {"name": values["name"]})
    fields = _channel_fields(request.user, _owner_as_id(values), errors)
    active = FieldSpec(name="is_active", label=_("Active"), kind="checkbox", value=channel.is_active)
    cost_fields = _cost_fields(cost_values, errors)
    context = {"channel": channel, "fields": fields, "active": active, "cost_fields": cost_fields,
               "costs": list(channel.costs.order_by("-period_start")[:24]), "tab": "channels"}
    return _page(request, "web/settings/channel_edit.html", context, errors,
                 {f.name for f in [*fields, *cost_fields]})


def _owner_as_id(values: dict) -> dict:
    owner = values.get("owner")
    return values | {"owner": owner.pk if owner is not None else ""}


# --- tags --------------------------------------------------------------------------------------

@admin_view
def settings_tags(request):
    errors: dict = {}
    values: dict = {"color": "#64748b"}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("name", "group", "color")}
        try:
            tag = tag_create(request.user, name=values["name"], group=values["group"], color=values["color"] or "#64748b")
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_tags", _("Tag %(name)s added.") % {"name": tag.name})
    fields = [model_field(Tag, "name", values, errors, required=True), model_field(Tag, "group", values, errors),
              model_field(Tag, "color", values, errors, kind="color")]
    fields[1].help = _("Tags read as need type-decision stage-trait, e.g. 意向产品A-预算审批-价格敏感.")
    return _page(request, "web/settings/tags.html", {"tags": list(Tag.objects.all()), "fields": fields, "tab": "tags"},
                 errors, {f.name for f in fields})


# --- industry phrases --------------------------------------------------------------------------

@admin_view
def settings_phrases(request):
    errors: dict = {}
    values: dict = {}
    if request.method == "POST" and request.POST.get("remove", "").isdigit():
        industry_phrase_remove(request.user, int(request.POST["remove"]))
        return _done(request, "web:settings_phrases", _("Phrase removed."))
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("phrase", "industry")}
        try:
            row = industry_phrase_add(request.user, phrase=values["phrase"], industry=values["industry"])
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_phrases", _("“%(phrase)s” now means %(industry)s.")
                         % {"phrase": row.phrase, "industry": row.industry.display_name})
    fields = [model_field(IndustryPhrase, "phrase", values, errors, required=True),
              FieldSpec(name="industry", label=_("Industry"), kind="select", value=values.get("industry", ""),
                        groups=choices.industry_groups(), required=True, errors=errors.get("industry", []))]
    phrases = list(IndustryPhrase.objects.select_related("industry__parent").order_by("phrase")[:1000])
    return _page(request, "web/settings/phrases.html", {"phrases": phrases, "fields": fields, "tab": "phrases"},
                 errors, {f.name for f in fields})


# --- custom fields -----------------------------------------------------------------------------

FLAGS = ("required", "show_in_list", "filterable")


def _customfield_fields(values: dict, errors: dict, *, existing: CustomField | None) -> list[FieldSpec]:
    names = ["label", "label_en", "help_text", "choices", "position"]
    if existing is None:
        names = ["target", "key", "kind", *names]
    specs = []
    for name in names:
        spec = model_field(CustomField, name, values, errors, required=name in ("target", "key", "kind", "label"))
        if name in ("target", "kind"):
            spec.no_blank = True
        if name == "target":
            # Contacts have no column for the values yet (Customer.custom_data holds customers'),
            # so only customer fields are offered; the definitions and validator handle both.
            spec.groups = [("", [(Target.CUSTOMER.value, str(Target.CUSTOMER.label))])]
        if name == "choices":
            spec.kind, spec.wide = "text", True
            spec.help = _("For choice fields: the choices, separated by commas.")
            if isinstance(spec.value, list):
                spec.value = ", ".join(spec.value)
        specs.append(spec)
    for name in (*FLAGS, *(("is_active",) if existing else ())):
        specs.append(model_field(CustomField, name, values, errors))
    return specs


def _customfield_post(post, *, existing: CustomField | None) -> dict:
    data = {k: post.get(k, "").strip() for k in ("label", "label_en", "help_text", "choices", "position")}
    if not data["position"]:
        del data["position"]
    for flag in (*FLAGS, *(("is_active",) if existing else ())):
        data[flag] = bool(post.get(flag))
    if existing is None:
        data.update({k: post.get(k, "").strip() for k in ("target", "key", "kind")})
    return data


@admin_view
def settings_customfields(request):
    errors: dict = {}
    values: dict = {"target": Target.CUSTOMER, "kind": FieldKind.TEXT}
    if request.method == "POST":
        values = _customfield_post(request.POST, existing=None)
        try:
            field = customfield_create(request.user, **values)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_customfields", _("Custom field %(label)s added.")
                         % {"label": field.display_label})
    fields = _customfield_fields(values, errors, existing=None)
    context = {"definitions": list(CustomField.objects.order_by("target", "-is_active", "position", "id")),
               "fields": fields, "tab": "customfields"}
    return _page(request, "web/settings/customfields.html", context, errors, {f.name for f in fields})


@admin_view
def settings_customfield_edit(request, pk: int):
    field = CustomField.objects.filter(pk=pk).first()
    if field is None:
        raise Http404
    errors: dict = {}
    values = {name: getattr(field, name) for name in ("label", "label_en", "help_text", "choices", "position",
                                                       *FLAGS, "is_active")}
    if request.method == "POST":
        values = _customfield_post(request.POST, existing=field)
        try:
            customfield_update(request.user, field.pk, version=int(request.POST.get("version") or 0), **values)
        except (ValidationError, ConflictError) as exc:
            errors = error_dict(exc)
        else:
            return _done(request, "web:settings_customfields", _("Custom field %(label)s saved.")
                         % {"label": values["label"]})
    fields = _customfield_fields(values, errors, existing=field)
    return _page(request, "web/settings/customfield_edit.html", {"field": field, "fields": fields,
                                                                 "tab": "customfields"},
                 errors, {f.name for f in fields})

