"""How often a customer must be contacted (R15): rules by stage, grade and segment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CadenceDimension(models.TextChoices):
    STAGE = "stage", _("Stage")
    GRADE = "grade", _("Grade")
    SEGMENT = "segment", _("Segment")


class CadenceRule(models.Model):
    """"Customers whose <dimension> is <value> are contacted at least every <interval_days> days."

    Several rules can match one customer (its stage, its grade, its segment): the strictest,
    i.e. the shortest interval, sets the customer's next follow-up date.
    """

    dimension = models.CharField(_("applies to"), max_length=10, choices=CadenceDimension.choices)
    value = models.CharField(_("value"), max_length=20)
    interval_days = models.PositiveSmallIntegerField(_("contact at least every (days)"))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cadence rule")
        verbose_name_plural = _("cadence rules")
        ordering = ["dimension", "interval_days", "value"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="cadence_rule_unique"),
            models.CheckConstraint(condition=Q(interval_days__gte=1) & Q(interval_days__lte=3660),
                                   name="cadence_interval_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}={self.value}: {self.interval_days}d"


class SweepMark(models.Model):
    """A daily check that has finished for a day (greetings scan the contacts once a day, not every pass)."""

    name = models.CharField(max_length=60)
    day = models.DateField()
    finished_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="sweep_mark_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"


class Watermark(models.Model):
    """How far in time a sweep check has looked: the next pass handles what happened after it.

    Checks that react to moments (an action's reminder time, its due time) look at the window
    (reached_at, now] only, so a pass costs what happened since the last one, not the size of
    the table. `fingerprint` lets a check notice that its rules changed (the cadence rules)."""

    name = models.CharField(max_length=60, primary_key=True)
    reached_at = models.DateTimeField()
    fingerprint = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.reached_at:%Y-%m-%d %H:%M}"
