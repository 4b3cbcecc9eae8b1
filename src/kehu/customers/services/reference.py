"""Channels with their costs (R45) and tags: reference data a data admin or manager maintains."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit
from kehu.core.cleaning import Errors, label
from kehu.core.policy import may_manage_reference_data, require
from kehu.core.validators import clean_date, clean_decimal
from kehu.customers.cleaning import clean_text
from kehu.customers.models import Channel, ChannelCost, Tag

CHANNEL_FIELDS = ("name", "tool", "description")


def _check_channel(values: dict, errors: Errors, *, exclude_pk: int | None = None) -> None:
    name = values.get("name")
    if name is not None and not name:
        errors.add("name", _("%(label)s is required.") % {"label": label(Channel, "name")})
    elif name and Channel.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        errors.add("name", _("A channel named %(name)s already exists.") % {"name": name})


@transaction.atomic
def channel_create(actor, *, name: str, owner=None, tool: str = "", description: str = "") -> Channel:
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage channels."))
    errors = Errors()
    values = {f: clean_text(v, model=Channel, field=f, errors=errors)
              for f, v in (("name", name), ("tool", tool), ("description", description))}
    _check_channel(values, errors)
    errors.raise_if_any()
    channel = Channel.objects.create(owner=owner, **values)
    audit.record(actor, "channel.create", channel, changes={k: [None, v] for k, v in values.items()})
    return channel


@transaction.atomic
def channel_update(actor, channel_id: int, **fields) -> Channel:
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage channels."))
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    errors = Errors()
    values = {f: clean_text(v, model=Channel, field=f, errors=errors) for f, v in fields.items() if f in CHANNEL_FIELDS}
    for flag in ("is_active", "owner"):
        if flag in fields:
            values[flag] = fields[flag]
    _check_channel(values, errors, exclude_pk=channel.pk)
    errors.raise_if_any()
    before = audit.snapshot(channel, list(values))
    for name, value in values.items():
        setattr(channel, name, value)
    channel.save()
    audit.record(actor, "channel.update", channel, changes=audit.diff(before, audit.snapshot(channel, list(values))))
    return channel


@transaction.atomic
def channel_cost_set(actor, channel_id: int, *, period_start, period_end, amount, note: str = "") -> ChannelCost:
    """The cost of a channel for a period (one row per period start; setting it again replaces it)."""
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage channels."))
    channel = Channel.objects.get(pk=channel_id)
    errors = Errors()
    start = errors.run("period_start", clean_date, period_start, label=label(ChannelCost, "period_start"))
    end = errors.run("period_end", clean_date, period_end, label=label(ChannelCost, "period_end"))
    money = errors.run("amount", clean_decimal, amount, label=label(ChannelCost, "amount"), min_value=Decimal(0))
    if start and end and end < start:
        errors.add("period_end", _("%(label)s must not be before the period start.") % {"label": label(ChannelCost, "period_end")})
    errors.raise_if_any()
    cost, created = ChannelCost.objects.update_or_create(
        channel=channel, period_start=start, defaults={"period_end": end, "amount": money, "note": note}
    )
    audit.record(actor, "channel.cost", cost, changes={"amount": [None, str(money)], "period_start": [None, str(start)]})
    return cost


@transaction.atomic
def tag_create(actor, *, name: str, group: str = "", color: str = "#64748b") -> Tag:
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage tags."))
    errors = Errors()
    name = clean_text(name, model=Tag, field="name", errors=errors)
    if not name:
        errors.add("name", _("%(label)s is required.") % {"label": label(Tag, "name")})
    elif Tag.objects.filter(name=name).exists():
        errors.add("name", _("A tag named %(name)s already exists.") % {"name": name})
    errors.raise_if_any()
    tag = Tag.objects.create(name=name, group=group.strip(), color=color)
    audit.record(actor, "tag.create", tag, changes={"name": [None, name]})
    return tag
