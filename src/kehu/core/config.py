"""Team-editable settings with the seed documents' values as defaults (rules are data)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # R4: tokens {year} {yy} {month} {day} {date} {industry} {seq:N}
    "customer_number_pattern": "{year}-{industry}-{seq:3}",
    "phone_default_region": "CN",
    # Access (R32–R35): who may export; the public pool (公海); sign-in lock-out.
    "export_roles": ["manager"],
    "pool_return_days": 30,  # an owned customer with no follow-up for this many days returns (0: no pool)
    "pool_warning_days": 3,  # the owner is warned this many days before
    "pool_stages": ["potential", "intent", "silent", "lost"],  # signed customers stay with their owner
    "pool_claim_limit_per_day": 10,  # claims per rep per day
    "pool_reclaim_after_days": 7,  # the previous owner may claim a returned customer again after this
    "signin_lockout_threshold": 5,  # consecutive failed sign-ins that lock an account
    "signin_lockout_minutes": 30,  # 0: locked until a manager unlocks it
    # API and webhooks (kehu.integrations)
    "api_token_failure_limit": 10,  # failed token attempts from one address that block it…
    "api_token_failure_window_minutes": 15,  # …for the rest of this window
    "webhook_retry_delays_seconds": [60, 300, 1800, 7200, 43200, 86400],  # then the delivery is given up
    "webhook_timeout_seconds": 10,
    # Follow-up (R14–R19, R10): timeliness limits, reminders, escalation, silence, complaint SLAs.
    "late_customer_hours": 24,  # a new customer is recorded within this many hours of first contact (R16)
    "late_interaction_hours": 2,  # an interaction is recorded within this many hours (R16)
    "task_reminder_minutes": 1440,  # the owner is reminded this long before an action is due
    "task_second_reminder_minutes": 60,  # high priority: a second reminder this long before due
    "task_escalate_days": 2,  # overdue this many days: the team lead is told
    "task_reassign_days": 5,  # overdue this many days: the team lead is offered reassignment
    "silence_days": 30,  # no interaction for this many days makes a customer silent (R17)
    "complaint_response_hours": 24,  # R18
    "complaint_solution_hours": 48,  # R18
    "survey_interval_months": 6,  # R19
    "survey_threshold": 80,  # an overall score below this moves an A customer to B
    "improvement_action_days": 7,  # the improvement action after a poor survey is due this many days later
    "greeting_days_ahead": 3,  # R10
    "referral_reward_days": 7,  # the referral reward action is due this many days after the deal (R7)
    "referral_reward_window_days": 90,  # deals older than this when first swept get no reward action
    "notify_max_attempts": 5,  # a failing e-mail or robot message is retried this many times
    "sweep_catch_up_hours": 24,  # reminders whose moment passed longer ago (first run, downtime) are not sent
}


def get(key: str) -> Any:
    from kehu.core.models import Setting

    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    return DEFAULTS[key] if row is None else row
