"""Satisfaction surveys (R19): every six months; a poor overall score moves an A customer to B and
starts an improvement action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock, config
from kehu.core.cleaning import Errors, label
from kehu.core.policy import get_visible_customer, may_record_interaction, require
from kehu.customers.cleaning import clean_text
from kehu.customers.models import Customer
from kehu.followup.models import ClassificationChange, Priority, SatisfactionSurvey, TaskKind
from kehu.followup.services.cadence import refresh_follow_up
from kehu.followup.services.tasks import write_task

SCORES = ("service_quality", "product_function", "overall")


def _clean_score(value: Any, field: str, errors: Errors) -> int | None:
    lbl = label(SatisfactionSurvey, field)
    if value in (None, ""):
        errors.add(field, _("%(label)s is required.") % {"label": lbl})
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not 0 <= number <= 100:
        errors.add(field, _("%(label)s must be a whole number from 0 to 100.") % {"label": lbl})
        return None
    return number


def _clean_day(value: Any, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return clock.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors.add("surveyed_on", _("%(label)s must be a date like 2024-03-15.")
                       % {"label": label(SatisfactionSurvey, "surveyed_on")})
            return None
    if value > clock.today():
        errors.add("surveyed_on", _("%(label)s cannot be in the future.") % {"label": label(SatisfactionSurvey, "surveyed_on")})
    return value


@transaction.atomic
def survey_record(actor, customer_id: int, *, service_quality: Any, product_function: Any, overall: Any,
                  surveyed_on: Any = None, comment: str = "") -> SatisfactionSurvey:
    customer = get_visible_customer(actor, customer_id)
    require(may_record_interaction(actor, customer), _("You may not record surveys for this customer."))
    errors = Errors()
    scores = {field: _clean_score(value, field, errors)
              for field, value in zip(SCORES, (service_quality, product_function, overall))}
    day = _clean_day(surveyed_on, errors)
    text = clean_text(comment, model=SatisfactionSurvey, field="comment", errors=errors)
    errors.raise_if_any()

    now = clock.now()
    survey = SatisfactionSurvey.objects.create(customer=customer, surveyed_on=day, comment=text, recorded_by=actor,
                                               created_at=now, **scores)
    audit.record(actor, "survey.create", survey, customer_id=customer.pk,
                 changes={field: [None, value] for field, value in scores.items()})
    threshold = int(config.get("survey_threshold"))
    if scores["overall"] >= threshold:
        return survey
    reason = _("Satisfaction survey of %(day)s: overall %(score)d, below %(threshold)d") % {
        "day": day.isoformat(), "score": scores["overall"], "threshold": threshold}
    if Customer.objects.filter(pk=customer.pk, grade="A").update(grade="B"):
        ClassificationChange.objects.create(customer=customer, field="grade", old_value="A", new_value="B",
                                            reason=reason, source="survey", at=now, by=None)
        audit.record(None, "customer.grade", customer, customer_id=customer.pk, changes={"grade": ["A", "B"]},
                     note=reason)
    task = write_task(actor, customer, {
        "title": _("Improvement plan after satisfaction score %(score)d") % {"score": scores["overall"]},
        "due_at": now + dt.timedelta(days=int(config.get("improvement_action_days"))),
        "priority": Priority.HIGH, "note": reason, "kind": TaskKind.IMPROVEMENT, "owner": customer.owner,
    })
    survey.improvement_task = task
    survey.save(update_fields=["improvement_task"])
    refresh_follow_up(customer.pk)  # the owner, if someone else, is told of the action by write_task
    return survey
