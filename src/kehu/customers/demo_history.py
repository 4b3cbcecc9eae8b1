"""A customer's follow-up history for `kehu demo`: interactions, next actions, transactions and
stage moves, plus the derived facts the customer row stores about them (R9, R13, R14, R22) and
the state the time-based rules would have left (cadence, silence, public pool: demo_rules).

Times are naive UTC (see demo_writer); people work 09:00–18:30 local time. The story of each
stage holds together: silent customers have been quiet for more than 30 days, lost ones
stopped before they were lost, deals signed at least two weeks after the first contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from kehu.customers import demo_data as data
from kehu.customers.demo_profile import Dice, Weighted
from kehu.customers.demo_rules import Rules, next_follow_up, pool_fields, silenced_at
from kehu.customers.demo_writer import RowBatch

DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")
STAGES = Weighted((("potential", 40), ("intent", 25), ("deal", 20), ("silent", 10), ("lost", 5)))
# Fewest and most interactions per stage, skewed towards the fewest (2.7 per customer on average).
INTERACTIONS = {"potential": (0, 3), "intent": (1, 6), "deal": (2, 12), "silent": (1, 4), "lost": (1, 5)}
# A deal needs time to close, silence needs quiet days (R17): how old the customer must be.
MIN_AGE_DAYS = {"potential": 0, "intent": 7, "deal": 30, "silent": 15, "lost": 30}  # silent: + silence days
# Share of active customers whose owner kept in touch within the silence limit; the others went
# quiet and are silent (and in the pool) by the rules, like the stage "silent" drawn above.
KEPT_UP = {"potential": 0.6, "intent": 0.85, "deal": 0.75}
OPEN_TASK_CHANCE = {"potential": 0.3, "intent": 0.5, "deal": 0.35, "silent": 0.25, "lost": 0.0}
MOODS = {
    "potential": Weighted((("positive", 35), ("hesitant", 50), ("unhappy", 15))),
    "intent": Weighted((("positive", 50), ("hesitant", 40), ("unhappy", 10))),
    "deal": Weighted((("positive", 70), ("hesitant", 25), ("unhappy", 5))),
    "silent": Weighted((("positive", 20), ("hesitant", 50), ("unhappy", 30))),
    "lost": Weighted((("positive", 10), ("hesitant", 40), ("unhappy", 50))),
}
DEAL_COUNT = Weighted(((1, 40), (2, 25), (3, 15), (4, 12), (5, 8)))
PRIORITY = Weighted((("high", 25), ("medium", 50), ("low", 25)))
SILENCE_REASON = "{days} 天没有跟进记录，自动转为沉默客户"
INTENT_REASON = "已发送方案和报价"


@dataclass(frozen=True)
class LocalTime:
    """Local working hours to naive UTC."""

    now_utc: dt.datetime
    today: dt.date
    offset: dt.timedelta

    def at(self, day: dt.date, minute_of_day: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute_of_day) - self.offset

    def past(self, day: dt.date, minute_of_day: int) -> dt.datetime:
        """For things that happened: never later than "now"."""
        return min(self.at(day, minute_of_day), self.now_utc)


@dataclass
class Draft:
    """What the history needs to know about the customer being generated."""

    id: int
    stage: str
    first_contact: dt.date
    created_at: dt.datetime
    owner_id: int
    helper_id: int | None  # the service colleague working on the customer, if any
    contact_ids: list[int]
    products: list[str]
    large: bool


class HistoryMaker:
    def __init__(self, dice: Dice, clock: LocalTime, rules: Rules, methods: Weighted):
        self.dice, self.clock, self.rules, self.methods = dice, clock, rules, methods
        self.batch: RowBatch | None = None  # where rows go; set per batch

    def age_for(self, stage: str) -> int:
        """Days since first contact, within the last two years."""
        least = MIN_AGE_DAYS[stage] + (self.rules.silence_days if stage == "silent" else 0)
        return self.dice.between(least, max(least, 730))

    def build(self, draft: Draft) -> dict:
        """Write the customer's history rows; return the customer's derived fields."""
        today = self.clock.today
        end_day, lost_day = today, None
        age = (today - draft.first_contact).days
        if draft.stage == "silent":
            quiet = self.rules.silence_days + 1
            end_day = today - DAY * self.dice.between(quiet, max(quiet, min(age - 1, quiet + 120)))
        elif draft.stage == "lost":
            lost_day = today - DAY * self.dice.between(0, age - 14)
            end_day = lost_day - DAY
        recent_from = None
        if draft.stage in KEPT_UP and self.dice.chance(KEPT_UP[draft.stage]):
            recent_from = max(draft.first_contact, today - DAY * max(self.rules.silence_days - 2, 0))
        deals = self._transactions(draft) if draft.stage == "deal" else []
        interactions = self._interactions(draft, end_day, recent_from)
        last_at = interactions[-1][1] if interactions else None
        stage_fields = self._stage_path(draft, deals, last_at, lost_day)
        stage_fields = self._silence_by_rule(draft, stage_fields, last_at or draft.created_at)
        open_due = self._tasks(draft, interactions)
        rules, clock = self.rules, self.clock
        owner = pool_fields(rules, stage=stage_fields["stage"], owner_id=draft.owner_id, owner_since=draft.created_at,
                            last_interaction_at=last_at, today=today, local_midnight=lambda day: clock.at(day, 0))
        return {
            **stage_fields, **self._totals(deals), **owner,
            "last_interaction_at": last_at,
            "next_follow_up_at": next_follow_up(rules, stage=stage_fields["stage"], created_at=draft.created_at,
                                                last_interaction_at=last_at, earliest_action=open_due),
            "updated_at": max(draft.created_at, stage_fields["stage_changed_at"], owner["pool_entered_at"] or draft.created_at),
        }

    def _silence_by_rule(self, draft: Draft, stage_fields: dict, quiet_since: dt.datetime) -> dict:
        """An active customer quiet for silence_days is silent, as the silence sweep leaves it."""
        at = silenced_at(self.rules, stage_fields["stage"], quiet_since, stage_fields["stage_changed_at"],
                         self.clock.now_utc)
        if at is None:
            return stage_fields
        self._stage_row(draft.id, stage_fields["stage"], "silent", at, None, self._silence_reason())
        return {"stage": "silent", "stage_changed_at": at, "previous_stage": stage_fields["stage"], "lost_reason": ""}

    def _silence_reason(self) -> str:
        return self.rules.silence_reason or SILENCE_REASON.format(days=self.rules.silence_days)

    # --- interactions -------------------------------------------------------------------
    def _interactions(self, draft: Draft, end_day: dt.date, recent_from: dt.date | None) -> list[tuple[int, dt.datetime]]:
        """`recent_from`: the owner kept in touch, the last interaction is on or after that day."""
        dice, clock = self.dice, self.clock
        low, high = INTERACTIONS[draft.stage]
        count = low + int((high - low + 1) * dice.random() ** 1.5)
        span = (end_day - draft.first_contact).days
        days = [draft.first_contact] + [draft.first_contact + DAY * dice.between(0, span) for _ in range(count - 1)]
        days = days[:count]
        if recent_from is not None and recent_from > draft.first_contact and (not days or max(days) < recent_from):
            late = recent_from + DAY * dice.between(0, (end_day - recent_from).days)
            days = days[:-1] + [late] if len(days) >= 2 else days + [late]
        moments = sorted(clock.past(day, dice.between(540, 1110)) for day in days)
        result = []
        for moment in moments:
            interaction_id = self.batch.local_id("interactions")
            self.batch.add("interactions", self._interaction(draft, interaction_id, moment))
            result.append((interaction_id, moment))
        return result

    def _interaction(self, draft: Draft, interaction_id: int, moment: dt.datetime) -> dict:
        dice = self.dice
        product = draft.products[0]
        responded = dice.chance(0.85)
        if responded:
            summary = dice.pick(data.SUMMARIES).format(product=product)
            feedback, next_step = dice.pick(data.FEEDBACK), dice.pick(data.NEXT_STEPS)
            mood = MOODS[draft.stage].draw(dice)
        else:
            (summary, feedback, next_step), mood = dice.pick(data.NO_RESPONSE), ""
        recorded_at = min(moment + dt.timedelta(minutes=self._entry_delay()), self.clock.now_utc)
        return {
            "id": interaction_id, "customer_id": draft.id, "contact_id": dice.pick(draft.contact_ids),
            "occurred_at": moment, "method_id": self.methods.draw(dice),
            "user_id": draft.helper_id if draft.helper_id and dice.chance(0.2) else draft.owner_id,
            "summary": summary, "feedback": feedback, "next_step": next_step,
            "need_change": dice.pick(data.NEED_CHANGES).format(product=product) if dice.chance(0.08) else "",
            "commitments": dice.pick(data.COMMITMENTS) if responded and dice.chance(0.2) else "",
            "mood": mood, "responded": responded, "recorded_at": recorded_at,
            "recorded_late": recorded_at - moment > dt.timedelta(minutes=self.rules.late_interaction_minutes),
        }

    def _entry_delay(self) -> int:
        """Minutes until an interaction was written down: mostly within the limit (R16)."""
        dice, limit = self.dice, self.rules.late_interaction_minutes
        roll = dice.random()
        if roll < 0.8:
            return dice.between(5, max(5, limit - 10))
        return dice.between(limit + 1, limit + 1080) if roll < 0.95 else dice.between(1440, 4320)

    # --- transactions -------------------------------------------------------------------
    def _transactions(self, draft: Draft) -> list[dict]:
        dice, clock = self.dice, self.clock
        age = (clock.today - draft.first_contact).days
        first_day = draft.first_contact + DAY * dice.between(14, min(age, 180))
        later = (clock.today - first_day).days
        repeats = [first_day + DAY * dice.between(0, later) for _ in range(DEAL_COUNT.draw(dice) - 1)]
        days = sorted([first_day, *repeats])
        rows = []
        for index, day in enumerate(days):
            kind = "contract" if index == 0 or dice.chance(0.4) else "order"
            amount = int(dice.log_between(20_000 if draft.large else 5_000, 2_000_000)) // 100 * 100
            row = {
                "customer_id": draft.id, "kind": kind,
                "reference": f"{'HT' if kind == 'contract' else 'DD'}-{day.year}-{draft.id:07d}-{index + 1}",
                "signed_on": day, "amount": Decimal(amount), "products": "、".join(draft.products),
                "margin_rate": Decimal(dice.between(500, 4000)).scaleb(-2), "note": "",
                "created_at": clock.past(day, dice.between(960, 1110)), "created_by_id": draft.owner_id,
            }
            self.batch.add("transactions", row)
            rows.append(row)
        return rows

    @staticmethod
    def _totals(deals: list[dict]) -> dict:
        if not deals:
            return {"first_cooperation_date": None, "last_transaction_date": None, "transaction_count": 0,
                    "total_amount": Decimal("0"), "average_order_value": Decimal("0")}
        total = sum((row["amount"] for row in deals), Decimal("0"))
        return {
            "first_cooperation_date": deals[0]["signed_on"], "last_transaction_date": deals[-1]["signed_on"],
            "transaction_count": len(deals), "total_amount": total,
            "average_order_value": (total / len(deals)).quantize(CENT),
        }

    # --- stages -------------------------------------------------------------------------
    def _stage_path(self, draft: Draft, deals, last_at, lost_day) -> dict:
        """potential → (intent) → the final stage, as StageChange rows."""
        dice, stage, created = self.dice, draft.stage, draft.created_at
        lost_reason, by, reason = "", draft.owner_id, ""
        if stage == "potential":
            return {"stage": stage, "stage_changed_at": created, "previous_stage": "", "lost_reason": ""}
        if stage == "intent":
            final_at = self.clock.now_utc
        elif stage == "deal":
            final_at, reason = deals[0]["created_at"], f"签订合同 {deals[0]['reference']}"
        elif stage == "silent":
            days = self.rules.silence_days
            final_at, by = min(last_at + days * DAY, self.clock.now_utc), None  # the rules moved it
            reason = self._silence_reason()
        else:
            lost_reason = reason = dice.pick(data.LOST_REASONS)
            final_at = self.clock.past(lost_day, dice.between(600, 1080))
        path = ["potential"]
        if stage in ("intent", "deal") or dice.chance(0.5):
            intent_at = (created + (final_at - created) * (0.2 + 0.6 * dice.random())).replace(microsecond=0)
            self._stage_row(draft.id, "potential", "intent", intent_at, draft.owner_id, INTENT_REASON)
            path.append("intent")
            if stage == "intent":
                final_at = intent_at
        if stage != "intent":
            self._stage_row(draft.id, path[-1], stage, final_at, by, reason)
            path.append(stage)
        return {"stage": stage, "stage_changed_at": final_at, "previous_stage": path[-2], "lost_reason": lost_reason}

    def _stage_row(self, customer_id, from_stage, to_stage, at, by_id, reason) -> None:
        self.batch.add("stage_changes", {"customer_id": customer_id, "from_stage": from_stage, "to_stage": to_stage,
                                       "at": at, "by_id": by_id, "reason": reason})

    # --- next actions -------------------------------------------------------------------
    def _tasks(self, draft: Draft, interactions) -> dt.datetime | None:
        """Done tasks from past interactions, and maybe one open next action; returns its due time."""
        dice, clock = self.dice, self.clock
        if len(interactions) >= 2 and dice.chance(0.3):
            for interaction_id, moment in dice.sample(interactions[:-1], min(2, len(interactions) - 1)):
                done_at = min(moment + dt.timedelta(hours=dice.between(1, 96)), clock.now_utc)
                self._task(draft, interaction_id, moment, moment + 3 * DAY, "done", done_at)
        if not dice.chance(OPEN_TASK_CHANCE[draft.stage]):
            return None
        due = clock.at(clock.today + DAY * dice.between(-10, 30), dice.pick((600, 840, 990)))
        due = max(due, draft.created_at + DAY)
        last_id, last_at = interactions[-1] if interactions else (None, draft.created_at)
        created = max(min(last_at, due - DAY), draft.created_at)
        self._task(draft, last_id, created, due, "open", None)
        return due

    def _task(self, draft: Draft, interaction_id, created, due, status, done_at) -> None:
        dice = self.dice
        title = "重新激活：电话回访了解近况" if draft.stage == "silent" and status == "open" else \
            dice.pick(data.TASK_TITLES).format(product=draft.products[0])
        self.batch.add("tasks", {
            "customer_id": draft.id, "interaction_id": interaction_id, "title": title, "owner_id": draft.owner_id,
            "due_at": due, "priority": PRIORITY.draw(dice), "status": status, "note": "",
            "completed_at": done_at, "completed_by_id": draft.owner_id if done_at else None,
            "result": dice.pick(data.TASK_RESULTS) if done_at else "", "version": 1,
            "created_at": created, "created_by_id": draft.owner_id,
            "updated_at": done_at or created, "updated_by_id": draft.owner_id,
        })
