"""The time-based rules a generated customer must already agree with, as if `kehu sweep` had run
all along: otherwise the first sweep after `kehu demo` rewrites most of the table (silences
hundreds of thousands of customers, re-dates every next follow-up, returns whole books to the
pool) and the benchmarks measure a catch-up no real team ever has.

- Cadence (R15): next_follow_up_at by the same function the services use
  (kehu.followup.services.cadence.follow_up_due) with the team's rules.
- Silence (R17): a customer in potential/intent/deal quiet for silence_days is silent since the
  moment the sweep would have found it, with its previous stage and a StageChange by the system.
- Public pool (R34): an owned customer of a pool stage not followed up for pool_return_days is in
  the pool since the midnight it would have returned (previous owner kept); one in the last
  pool_warning_days before that carries the warning of that midnight.

Pure computation on naive UTC datetimes (see demo_writer): a worker process runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DAY = dt.timedelta(days=1)
SILENCEABLE = ("potential", "intent", "deal")  # kehu.followup.sweeps.silence.SILENCEABLE


@dataclass(frozen=True)
class Rules:
    """The team's settings the story must agree with (kehu.core.config and the cadence table)."""

    late_interaction_minutes: int  # R16: written down later than this is late
    silence_days: int  # R17: this long without an interaction makes a customer silent
    cadence: dict = field(default_factory=dict)  # (dimension, value) -> days, as cadence.load_rules()
    silence_reason: str = ""  # what the silence sweep writes as the reason
    pool_return_days: int = 0  # 0: no public pool
    pool_warning_days: int = 0
    pool_stages: tuple = ()

    @classmethod
    def from_settings(cls) -> "Rules":
        from kehu.core import config
        from kehu.followup.services.cadence import load_rules
        from kehu.followup.sweeps.silence import silence_reason

        days = int(config.get("silence_days"))
        return cls(
            late_interaction_minutes=int(config.get("late_interaction_hours") * 60), silence_days=days,
            cadence=load_rules(), silence_reason=silence_reason(days),
            pool_return_days=int(config.get("pool_return_days")),
            pool_warning_days=int(config.get("pool_warning_days")),
            pool_stages=tuple(config.get("pool_stages")),
        )


def silenced_at(rules: Rules, stage: str, quiet_since: dt.datetime, stage_changed_at: dt.datetime,
                now_utc: dt.datetime) -> dt.datetime | None:
    """When the silence sweep would have made this customer silent; None while it is not due.
    The sweep silences at last ≤ now − silence_days; a stage moved later is silenced after it."""
    if stage not in SILENCEABLE:
        return None
    due = quiet_since.replace(microsecond=0) + DAY * rules.silence_days
    if due > now_utc:
        return None
    return max(due, stage_changed_at)


def next_follow_up(rules: Rules, *, stage: str, created_at, last_interaction_at, earliest_action,
                   grade: str = "", segment: str = ""):
    from kehu.followup.services.cadence import follow_up_due

    return follow_up_due(rules.cadence, stage=stage, grade=grade, segment=segment, created_at=created_at,
                         last_interaction_at=last_interaction_at, earliest_action=earliest_action)


def pool_fields(rules: Rules, *, stage: str, owner_id: int, owner_since: dt.datetime,
                last_interaction_at: dt.datetime | None, today: dt.date, local_midnight) -> dict:
    """owner_id, owner_since, previous_owner_id, pool_entered_at, pool_warned_at as
    kehu.customers.services.pool would have left them. Days are calendar days in the team's time
    zone: `today` is the local date, `local_midnight(day)` that day's 00:00 local in naive UTC."""
    owned = {"owner_id": owner_id, "owner_since": owner_since, "previous_owner_id": None,
             "pool_entered_at": None, "pool_warned_at": None}
    days, warning = rules.pool_return_days, rules.pool_warning_days
    if days <= 0 or stage not in rules.pool_stages:
        return owned
    last = max(filter(None, [last_interaction_at, owner_since]))
    last_day = _local_date(last, today, local_midnight)
    returns_on = last_day + DAY * days
    if today >= returns_on:
        # What move_owners(None, …) writes when the sweep returns it at that midnight.
        return {"owner_id": None, "owner_since": None, "previous_owner_id": owner_id,
                "pool_entered_at": local_midnight(returns_on), "pool_warned_at": None}
    warn_on = returns_on - DAY * warning
    if warning > 0 and days > warning and today >= warn_on:
        owned["pool_warned_at"] = local_midnight(warn_on)
    return owned


def _local_date(moment: dt.datetime, today: dt.date, local_midnight) -> dt.date:
    """The local calendar day of a naive UTC moment (the zone's offset is fixed in the demo)."""
    offset = dt.datetime.combine(today, dt.time.min) - local_midnight(today)
    return (moment + offset).date()
