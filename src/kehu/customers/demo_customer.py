"""Generating batches of demo customers: pure computation from a seed and the reference ids.

Nothing here touches the database, so `kehu demo` can run it in a worker process while the
main process writes the previous batch. Rows point at each other through customer ids
reserved up front and batch-local contact and interaction ids (see demo_writer.RowBatch).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kehu.customers import demo_data as data
from kehu.customers.demo_history import STAGES, Draft, HistoryMaker, LocalTime, Rules
from kehu.customers.demo_profile import Dice, Profile, ProfileMaker, Weighted
from kehu.customers.demo_writer import RowBatch

INDIVIDUAL_CODE = "PER"  # the number code of customers without an industry, as customer_create uses
MARKETING_CHANNELS = {"行业展会", "线上广告", "官网表单", "公众号"}
STAGE_TAGS = ("初步接触", "方案评估", "预算审批", "商务谈判", "待签约")
TRAIT_TAGS = ("价格敏感", "注重服务", "技术导向", "决策快", "决策慢", "关系型", "有竞品在用")
NEED_TAGS = {"consulting": "服务咨询", "partnership": "渠道合作"}
REP_WEIGHTS = (1.6, 1.3, 1.0, 1.0, 0.8, 0.6, 0.6, 0.6)  # some reps carry more customers than others


@dataclass(frozen=True)
class Refs:
    """Ids of the reference rows the customers point at, looked up once by the caller."""

    users: dict[str, tuple[int, int | None]]  # username -> (id, team id)
    channels: Weighted
    channel_names: dict[int, str]
    referral_channel: int
    tags: dict[str, int]
    methods: Weighted
    industries: dict[str, tuple[int, str]]  # division code -> (id, abbr)


@dataclass(frozen=True)
class Spec:
    """Everything a generator needs; picklable, so a worker process can build its own."""

    seed: int
    first_customer_id: int
    time: LocalTime
    rules: Rules
    refs: Refs


class CustomerMaker:
    def __init__(self, spec: Spec):
        self.time, self.refs = spec.time, spec.refs
        # Seeded with the first new id too, so a second run adds different customers.
        self.dice = dice = Dice(f"kehu-demo:{spec.seed}:{spec.first_customer_id}")
        self.profiles = ProfileMaker(dice, self.refs.industries, self.time.now_utc, self.time.today)
        self.history = HistoryMaker(dice, self.time, spec.rules, self.refs.methods)
        self.abbr_by_id = {pk: abbr for pk, abbr in self.refs.industries.values()}
        self.referrers: list[tuple[int, dt.date]] = []
        reps: dict[str, list] = {}
        for username, _name, role, team_name, _lead in data.STAFF:
            if role == "rep":
                reps.setdefault(team_name, []).append(self.refs.users[username])
        self.reps_by_team = {team: Weighted(zip(members, REP_WEIGHTS)) for team, members in reps.items()}

    def generate(self, customer_ids) -> RowBatch:
        batch = self.history.batch = RowBatch()
        batch.extra["numbers"] = [self.customer(batch, customer_id) for customer_id in customer_ids]
        return batch

    def customer(self, batch: RowBatch, customer_id: int) -> tuple[dict, str, dt.date]:
        """Add one customer's rows; return its row, number code and number date."""
        dice, clock = self.dice, self.time
        stage = STAGES.draw(dice)
        profile = self.profiles.company(customer_id) if dice.chance(0.9) else self.profiles.individual()
        first_contact = clock.today - dt.timedelta(days=self.history.age_for(stage))
        # Mostly recorded the same day (R16), now and then a few days late.
        delay = dt.timedelta(hours=dice.between(1, 20) if dice.chance(0.9) else dice.between(24, 72))
        created_at = min(clock.past(first_contact, dice.between(540, 1110)) + delay, clock.now_utc)
        owner_id, team_id = self._owner(profile)
        channel_id, referrer_id, referral_reason = self._source(first_contact)
        helper = self._collaborators(batch, customer_id, stage, channel_id, created_at)
        needs = self.profiles.needs(profile)
        contacts, methods = self.profiles.contacts(
            profile, customer_id, lambda: batch.local_id("contacts"), created_at, owner_id)
        batch.rows["contacts"].extend(contacts)
        batch.rows["contact_methods"].extend(methods)
        draft = Draft(customer_id, stage, first_contact, created_at, owner_id, helper,
                      [c["id"] for c in contacts if c["is_active"]], profile.products, profile.large)
        derived = self.history.build(draft)
        if stage == "deal":
            self.referrers.append((customer_id, derived["first_cooperation_date"]))
        self._tags(batch, customer_id, stage, needs, referrer_id)
        if referrer_id is not None and stage == "deal":
            # R7: the sweep recorded the referrer's reward when this customer signed (the demo's past:
            # no action), so a first sweep does not reward two years of referrals at once.
            batch.add("referral_rewards", {"customer_id": customer_id, "referrer_id": referrer_id, "task_id": None,
                                           "created_at": clock.past(derived["first_cooperation_date"], 1110)})
        row = {
            "id": customer_id, "number": "", **profile.fields, **needs, **derived,
            "first_contact_date": first_contact, "source_channel_id": channel_id,
            "referrer_id": referrer_id, "referral_reason": referral_reason,
            "team_id": team_id, "version": 1,  # owner: from derived (it may be in the public pool)
            "created_at": created_at, "created_by_id": owner_id, "updated_by_id": owner_id,
        }
        batch.add("customers", row)
        industry = profile.fields["industry_id"]
        return row, self.abbr_by_id[industry] if industry else INDIVIDUAL_CODE, first_contact

    def _owner(self, profile: Profile) -> tuple[int, int | None]:
        """Large companies go to key accounts, 华南 to its own team, the rest mostly to 华东一组."""
        dice = self.dice
        if profile.large and dice.chance(0.7):
            team = "大客户部"
        elif profile.place.region == "华南":
            team = "华南销售组"
        else:
            team = "华东销售一组" if profile.place.region == "华东" or dice.chance(0.6) else "华南销售组"
        return self.reps_by_team[team].draw(dice)

    def _source(self, first_contact: dt.date) -> tuple[int, int | None, str]:
        """About 5 % were referred by an earlier customer who had signed before they met us."""
        dice = self.dice
        if self.referrers and dice.chance(0.06):
            for _ in range(6):
                referrer_id, signed = dice.pick(self.referrers)
                if signed < first_contact:
                    return self.refs.referral_channel, referrer_id, dice.pick(data.REFERRAL_REASONS)
        return self.refs.channels.draw(dice), None, ""

    def _collaborators(self, batch: RowBatch, customer_id: int, stage: str, channel_id: int, created_at) -> int | None:
        """Service looks after signed customers, marketing after the leads it brought in."""
        dice, users = self.dice, self.refs.users
        helper = None
        if stage == "deal" and dice.chance(0.4):
            helper = users[data.SERVICE][0]
            batch.add("collaborators", {"customer_id": customer_id, "user_id": helper, "can_edit": False,
                                        "can_record_interaction": True, "added_at": created_at})
        if self.refs.channel_names[channel_id] in MARKETING_CHANNELS and dice.chance(0.3):
            batch.add("collaborators", {"customer_id": customer_id, "user_id": users[data.MARKETING][0],
                                        "can_edit": False, "can_record_interaction": False, "added_at": created_at})
        return helper

    def _tags(self, batch: RowBatch, customer_id: int, stage: str, needs: dict, referrer_id) -> None:
        """Tags of the form need type - decision stage - trait (R8), on most customers."""
        dice, tags = self.dice, self.refs.tags
        if not dice.chance(0.7):
            return
        product = needs["product_interests"][:3]  # 产品A…
        chosen = {NEED_TAGS.get(needs["need_type"], f"意向{product}")}
        if stage in ("potential", "intent"):
            chosen.add(dice.pick(STAGE_TAGS))
        chosen.update(dice.sample(TRAIT_TAGS, dice.between(0, 2)))
        if referrer_id:
            chosen.add("老客户推荐")
        for name in sorted(chosen):
            if name in tags:
                batch.add("customer_tags", {"customer_id": customer_id, "tag_id": tags[name]})
