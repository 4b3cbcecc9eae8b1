"""Cadence (R15): how often each customer must be contacted, and the next follow-up date that follows.

next_follow_up_at = the earliest of
  - the earliest open next action, and
  - the last interaction + the strictest (shortest) interval of the cadence rules matching the
    customer's stage, grade and segment.
A customer nobody has contacted yet counts from the day it was created, unless someone has already
planned the first contact as an action. Lost customers follow no cadence. The sweep recomputes the
same thing in SQL for every customer (kehu.followup.sweeps.cadence); both must agree.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound
from kehu.core.locking import lock_current
from kehu.core.policy import require
from kehu.customers.models import Customer, Stage
from kehu.followup.models import CadenceDimension, CadenceRule, Interaction, Task, TaskStatus

Rules = dict[tuple[str, str], int]


def load_rules() -> Rules:
    return {(d, v): days for d, v, days in CadenceRule.objects.values_list("dimension", "value", "interval_days")}


def interval_days(rules: Rules, *, stage: str, grade: str, segment: str) -> int | None:
    """The strictest interval among the rules that apply; None when none applies."""
    matching = [rules.get((CadenceDimension.STAGE, stage)), rules.get((CadenceDimension.GRADE, grade)),
                rules.get((CadenceDimension.SEGMENT, segment))]
    days = [value for value in matching if value is not None]
    return min(days) if days else None


def follow_up_due(rules: Rules, *, stage: str, grade: str, segment: str, created_at: dt.datetime,
                  last_interaction_at: dt.datetime | None, earliest_action: dt.datetime | None) -> dt.datetime | None:
    if stage == Stage.LOST:
        return earliest_action
    days = interval_days(rules, stage=stage, grade=grade, segment=segment)
    if last_interaction_at is None:
        if earliest_action is not None:
            return earliest_action
        base = created_at
    else:
        base = last_interaction_at
    # Whole seconds: the SQL form (SQLite's datetime()) drops fractions, and both must agree.
    by_cadence = None if days is None else base.replace(microsecond=0) + dt.timedelta(days=days)
    candidates = [moment for moment in (earliest_action, by_cadence) if moment is not None]
    return min(candidates) if candidates else None


def refresh_follow_up(customer_id: int, *, rules: Rules | None = None) -> None:
    """last_interaction_at from the interactions; next_follow_up_at from cadence and open actions.
    A system write: `version` is untouched."""
    row = Customer.objects.filter(pk=customer_id).values("stage", "grade", "segment", "created_at").first()
    if row is None:
        return
    last = Interaction.objects.filter(customer_id=customer_id).aggregate(last=Max("occurred_at"))["last"]
    earliest = Task.objects.filter(customer_id=customer_id, status=TaskStatus.OPEN).aggregate(n=Min("due_at"))["n"]
    due = follow_up_due(rules if rules is not None else load_rules(), stage=row["stage"], grade=row["grade"],
                        segment=row["segment"], created_at=row["created_at"], last_interaction_at=last,
                        earliest_action=earliest)
    Customer.objects.filter(pk=customer_id).update(last_interaction_at=last, next_follow_up_at=due)


def may_manage_cadence(user) -> bool:
    """Cadence is a sales-management rule: managers (and organisation admins) set it."""
    return user is None or (user.is_active and (user.is_superuser or getattr(user, "role", "") == "manager"))


def _clean_rule(dimension, value, days, errors: Errors) -> tuple[str, str, int | None]:
    if dimension not in CadenceDimension.values:
        errors.add("dimension", _("%(label)s must be one of: %(choices)s.")
                   % {"label": label(CadenceRule, "dimension"), "choices": ", ".join(CadenceDimension.values)})
    value = str(value or "").strip()
    if not value:
        errors.add("value", _("%(label)s is required.") % {"label": label(CadenceRule, "value")})
    elif len(value) > 20:
        errors.add("value", _("%(label)s must be at most %(max)d characters.")
                   % {"label": label(CadenceRule, "value"), "max": 20})
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= 3660:
        errors.add("interval_days", _("%(label)s must be a whole number from 1 to 3660.")
                   % {"label": label(CadenceRule, "interval_days")})
    return dimension, value, days


@transaction.atomic
def cadence_rule_set(actor, *, dimension: str, value: str, interval_days: int, version: int | None = None) -> CadenceRule:
    """Create or change the rule for one stage, grade or segment value. Customers' next follow-up
    dates follow on the next sweep (one set-based pass), not in this request."""
    require(may_manage_cadence(actor), _("Only managers may change the contact cadence."))
    errors = Errors()
    dimension, value, days = _clean_rule(dimension, value, interval_days, errors)
    errors.raise_if_any()
    now = clock.now()
    existing = CadenceRule.objects.filter(dimension=dimension, value=value).first()
    if existing is None:
        rule = CadenceRule.objects.create(dimension=dimension, value=value, interval_days=days,
                                          updated_at=now, updated_by=actor)
        audit.record(actor, "cadence.create", rule, changes={"interval_days": [None, days]})
        return rule
    rule = lock_current(CadenceRule.objects.all(), existing.pk, version)
    if rule.interval_days != days:
        audit.record(actor, "cadence.update", rule, changes={"interval_days": [rule.interval_days, days]})
        rule.interval_days, rule.version, rule.updated_at, rule.updated_by = days, rule.version + 1, now, actor
        rule.save()
    return rule


@transaction.atomic
def cadence_rule_delete(actor, rule_id: int, *, version: int) -> None:
    require(may_manage_cadence(actor), _("Only managers may change the contact cadence."))
    rule = lock_current(CadenceRule.objects.all(), rule_id, version)
    if rule is None:
        raise NotFound(rule_id)
    audit.record(actor, "cadence.delete", rule, changes={"interval_days": [rule.interval_days, None]})
    rule.delete()
