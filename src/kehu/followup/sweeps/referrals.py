"""R7: when a referred customer reaches deal, the owner of the referrer gets a reward action.

One ReferralReward per referred customer (unique), inserted set-based first: the rows this sweep
inserted (its `now`) are the ones it goes on to make actions for, so overlapping sweeps never
reward twice. Deals older than `referral_reward_window_days` when first seen (an imported history)
get no action.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Value
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import audit, config
from kehu.core.models import AuditEvent
from kehu.core.sweep import register
from kehu.customers.models import Customer, Stage
from kehu.followup.models import Priority, ReferralReward, Task, TaskKind
from kehu.notify import sql
from kehu.notify.services import notify_rows


@register("followup.referrals", order=150)
def referral_rewards(now: dt.datetime) -> int:
    window = dt.timedelta(days=int(config.get("referral_reward_window_days")))
    rewarded = ReferralReward.objects.filter(customer=OuterRef("pk"))
    candidates = (Customer.objects.filter(deleted_at__isnull=True, stage=Stage.DEAL, referrer__isnull=False,
                                          stage_changed_at__gte=now - window)
                  .exclude(Exists(rewarded)).order_by()
                  .annotate(r_customer=F("pk"), r_referrer=F("referrer_id"),
                            r_created=Value(now, output_field=DateTimeField()))
                  .values("r_customer", "r_referrer", "r_created"))
    with transaction.atomic():
        inserted = sql.insert_rows(ReferralReward._meta.db_table, ["customer_id", "referrer_id", "created_at"],
                                   candidates, ["r_customer", "r_referrer", "r_created"])
        if inserted:
            _make_actions(now)
    return inserted


def _make_actions(now: dt.datetime) -> None:
    fresh = list(ReferralReward.objects.filter(created_at=now, task__isnull=True)
                 .select_related("customer", "referrer", "referrer__owner"))
    due = now + dt.timedelta(days=int(config.get("referral_reward_days")))
    tasks, rewards = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for reward in fresh:
            owner = reward.referrer.owner
            if owner is None or not owner.is_active:
                continue
            title = _("Referral reward: thank %(referrer)s for referring %(customer)s") % {
                "referrer": reward.referrer.name, "customer": reward.customer.name}
            tasks.append(Task(customer_id=reward.referrer_id, title=title[:300], owner=owner, due_at=due,
                              priority=Priority.MEDIUM, kind=TaskKind.REFERRAL_REWARD, created_at=now, updated_at=now))
            rewards.append(reward)
    Task.objects.bulk_create(tasks)
    for reward, task in zip(rewards, tasks):
        reward.task = task
    ReferralReward.objects.bulk_update(rewards, ["task"])
    AuditEvent.objects.bulk_create([
        AuditEvent(at=now, actor_name="system", action="task.create", object_type="followup.task", object_id=task.pk,
                   object_repr=task.title[:200], customer_id=task.customer_id,
                   changes={"title": [None, task.title], "due_at": [None, audit.plain(task.due_at)],
                            "owner": [None, task.owner_id], "kind": [None, task.kind]})
        for task in tasks
    ])
    notify_rows("referral.reward", ReferralReward.objects.filter(created_at=now, task__isnull=False),
                recipient="referrer__owner_id", customer="referrer_id", due_at=now, now=now)
