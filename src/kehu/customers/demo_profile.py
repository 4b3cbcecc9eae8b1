"""Who the demo customers are: companies and individuals, their needs and their contacts.

Everything is drawn from one seeded `Dice`, so the same seed gives the same data. The
hot paths avoid per-row library calls: 拼音 keys are built from cached parts, phone
numbers are composed in E.164 directly (the pools are checked once with `clean_phone`).
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from kehu.core.validators import FieldError, clean_phone, uscc_check_char
from kehu.customers import demo_data as data
from kehu.customers.search_keys import pinyin_keys


class Dice:
    """`random.Random` with the few cheap draws the generator makes millions of times."""

    def __init__(self, seed: str | int):
        self._rng = random.Random(seed)
        self.random = self._rng.random

    def pick(self, items):
        return items[int(self.random() * len(items))]

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def log_between(self, low: float, high: float) -> float:
        """Spread evenly on a log scale: many small values, a few large ones."""
        return low * (high / low) ** self.random()

    def sample(self, items, count: int) -> list:
        return self._rng.sample(items, count)


class Weighted:
    def __init__(self, pairs):
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        self.items = [item for item, _ in pairs]
        self.bounds = list(accumulate(weight for _, weight in pairs))

    def draw(self, dice: Dice):
        return self.items[bisect_right(self.bounds, dice.random() * self.bounds[-1])]


@dataclass(frozen=True)
class Place:
    province: str
    province_text: str
    city: str
    region: str
    division_code: str
    area_code: str
    districts: tuple[str, ...]
    landline_heads: str  # first digits of valid local numbers; "" when none checked out
    landline_length: int  # 8 in large cities, 7 in some others


@dataclass
class Profile:
    """A customer's own fields plus what its contacts need (place, mail domain)."""

    fields: dict
    place: Place
    domain: str = ""
    large: bool = False
    products: list[str] = field(default_factory=list)


@lru_cache(maxsize=None)
def keys(text: str) -> tuple[str, str]:
    """拼音 keys of one name part; parts are joined so whole names cost no extra lookup."""
    return pinyin_keys(text)


def _valid(number: str) -> bool:
    try:
        clean_phone(number)
    except FieldError:
        return False
    return True


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    result = []
    for province, province_text, city, region, code, area, districts, _weight in data.CITIES:
        for length in (8, 7):
            heads = "".join(d for d in "2345678" if _valid(f"0{area}-{d}{'1234567'[:length - 1]}"))
            if heads:
                break
        result.append(Place(province, province_text, city, region, code, area, tuple(districts.split()), heads, length))
    return tuple(result)


@lru_cache(maxsize=1)
def mobile_prefixes() -> tuple[str, ...]:
    return tuple(p for p in data.MOBILE_PREFIXES if _valid(f"{p}12345678"))


def credit_code(division_code: str, customer_id: int) -> str:
    """A GB 32100 code: 9 (market regulator) 1 (enterprise), the division, an organisation
    code with its GB 11714 check digit, and the check character. The organisation part is
    a bijection of the customer id, so no two demo customers share a code."""
    serial = f"{(customer_id * 7919 + 10007) % 100_000_000:08d}"
    total = sum(int(c) * w for c, w in zip(serial, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    body = f"91{division_code}{serial}{'X' if check == 10 else 0 if check == 11 else check}"
    return body + uscc_check_char(body)


class ProfileMaker:
    def __init__(self, dice: Dice, industries: dict[str, tuple[int, str]], now_utc: dt.datetime, today: dt.date):
        self.dice, self.industries, self.now_utc, self.today = dice, industries, now_utc, today
        missing = sorted({w[2] for w in data.INDUSTRY_WORDS} - set(industries))
        if missing:
            raise LookupError(f"industry divisions missing (run migrations): {', '.join(missing)}")
        self.places = Weighted(zip(places(), (c[-1] for c in data.CITIES)))
        self.words = Weighted((w, w[4]) for w in data.INDUSTRY_WORDS)
        self.suffixes = Weighted(data.COMPANY_SUFFIXES)
        self.ownership = Weighted((("private", 70), ("state", 12), ("foreign", 10), ("other", 8)))
        self.senior = Weighted((t, t[3]) for t in data.SENIOR_TITLES)
        self.staff = Weighted((t, t[3]) for t in data.STAFF_TITLES)
        self.need_types = Weighted((("purchase", 60), ("consulting", 25), ("partnership", 15)))
        self.urgency = Weighted((("high", 20), ("medium", 50), ("low", 30)))
        self.preference = Weighted((("phone", 35), ("wechat", 35), ("email", 15), ("visit", 5), ("any", 10)))
        self.mobiles = mobile_prefixes()
        self.brands = [head + tail for head in data.BRAND_HEADS for tail in data.BRAND_TAILS if head != tail]
        self.used_names: set[tuple[str, str, str]] = set()  # (city, brand, industry word) taken in this run

    # --- who ---------------------------------------------------------------------------
    def company(self, customer_id: int) -> Profile:
        dice = self.dice
        place, word, brand = self._unique_name_parts()
        ownership = self.ownership.draw(dice)
        employees, revenue = self._size()
        large = (employees or 0) >= 1000
        suffix = data.GROUP_SUFFIX if large and dice.chance(0.2) else self.suffixes.draw(dice)
        if ownership == "foreign" and dice.chance(0.3):
            parts = (brand, word[0], "（", place.city, "）", suffix)
        else:
            parts = (place.city, brand, word[0], suffix)
        industry_id, _abbr = self.industries[word[2]]
        brand_py = keys(brand)[0]
        fields = {
            "kind": "company", "name": "".join(parts), "industry_id": industry_id,
            "short_name": brand + word[1] if dice.chance(0.7) else brand,
            "credit_code": credit_code(place.division_code, customer_id),
            "founded_year": self.today.year - 1 - int(34 * dice.random() ** 1.5),
            "ownership": ownership, "employees": employees, "annual_revenue": revenue,
            "main_business": word[3], "address": self._office_address(place),
            **self._place_fields(place), **self._name_keys(parts),
        }
        tld = dice.pick(data.EMAIL_TLDS)
        domain = f"{brand_py}{keys(word[1])[0]}.{tld}" if dice.chance(0.6) else f"{keys(place.city)[1]}{brand_py}.{tld}"
        return Profile(fields, place, domain=domain, large=large)

    def individual(self) -> Profile:
        dice = self.dice
        place = self.places.draw(dice)
        surname, given = dice.pick(data.SURNAMES), dice.pick(data.GIVEN_NAMES)
        industry_id = self.industries[self.words.draw(dice)[2]][0] if dice.chance(0.3) else None
        fields = {
            "kind": "individual", "name": surname + given, "industry_id": industry_id, "short_name": "",
            "credit_code": "", "founded_year": None, "ownership": "", "employees": None,
            "annual_revenue": None, "main_business": "", "address": self._home_address(place),
            **self._place_fields(place), **self._name_keys((surname, given)),
        }
        return Profile(fields, place)

    def _unique_name_parts(self):
        dice = self.dice
        place, word = self.places.draw(dice), self.words.draw(dice)
        for _attempt in range(20):
            brand = dice.pick(self.brands)
            if (place.city, brand, word[0]) not in self.used_names:
                break
        self.used_names.add((place.city, brand, word[0]))
        return place, word, brand

    def _size(self) -> tuple[int | None, Decimal | None]:
        dice = self.dice
        if dice.chance(0.12):
            return None, None  # not told yet
        roll = dice.random()
        low, high = (10, 99) if roll < 0.55 else (100, 999) if roll < 0.88 else (1000, 20000)
        employees = int(dice.log_between(low, high + 1))
        per_head = dice.between(20, 150) * 10_000
        return employees, Decimal(employees * per_head // 10_000 * 10_000)

    def _place_fields(self, place: Place) -> dict:
        return {"province": place.province, "city": place.city, "macro_region": place.region}

    @staticmethod
    def _name_keys(parts) -> dict:
        pairs = [keys(part) for part in parts]
        return {"name_pinyin": "".join(p[0] for p in pairs)[:600], "name_initials": "".join(p[1] for p in pairs)[:200]}

    def _office_address(self, place: Place) -> str:
        dice = self.dice
        street = (f"{place.province_text}{place.city}市{dice.pick(place.districts)}"
                  f"{dice.pick(data.ROADS)}{dice.between(1, 999)}号")
        if dice.chance(0.4):
            street += f"{dice.pick(data.BUILDINGS)}{dice.between(2, 28)}楼"
        return street

    def _home_address(self, place: Place) -> str:
        dice = self.dice
        return (f"{place.province_text}{place.city}市{dice.pick(place.districts)}{dice.pick(data.ROADS)}"
                f"{dice.between(1, 599)}号{dice.pick(data.RESIDENCES)}{dice.between(1, 30)}栋{dice.between(101, 2603)}室")

    # --- what they need ---------------------------------------------------------------
    def needs(self, profile: Profile) -> dict:
        dice = self.dice
        need_type = self.need_types.draw(dice)
        product = dice.pick(data.PRODUCTS)
        profile.products = [product + dice.pick(data.EDITIONS)]
        if dice.chance(0.5):
            profile.products.append(dice.pick(data.ADD_ONS))
        need = dice.pick(data.NEED_TEMPLATES[need_type]).format(
            product=product, purpose=dice.pick(data.PURPOSES), legacy=dice.pick(data.LEGACY),
            topic=dice.pick(data.TOPICS), city=profile.place.city,
        ) + dice.pick(data.NEED_TIMING)
        company = profile.fields["kind"] == "company"
        budget_min = int(dice.log_between(2, 100)) * 10_000 if dice.chance(0.5) else None
        return {
            "need_description": need + "。",
            "pain_points": "；".join(dice.sample(data.PAIN_POINTS, dice.between(1, 3))) + "。",
            "need_type": need_type,
            "product_interests": "、".join(profile.products),
            "urgency": self.urgency.draw(dice),
            "decision_cycle": "long" if profile.large else dice.pick(("short", "medium", "medium", "long")),
            "decision_chain_length": "individual" if not company else
            "multi_department" if profile.large else dice.pick(("individual", "team", "team")),
            "decision_chain": dice.pick(data.DECISION_CHAINS) if company and dice.chance(0.35) else "",
            "competitor_info": f"正在对比{dice.pick(data.COMPETITORS)}的方案" if dice.chance(0.3) else "",
            "budget_min": None if budget_min is None else Decimal(budget_min),
            "budget_max": None if budget_min is None else Decimal(budget_min * dice.between(15, 30) // 10),
            "needs_undisclosed": dice.chance(0.05),
        }

    # --- contacts ---------------------------------------------------------------------
    def contacts(self, profile: Profile, customer_id: int, next_id, created_at: dt.datetime, owner_id: int):
        """Contact rows and their phone / e-mail rows; now and then a former contact (R6)."""
        dice = self.dice
        company = profile.fields["kind"] == "company"
        roll = dice.random()
        count = 1 if not company or roll < 0.45 else 2 if roll < 0.8 else 3
        contacts, methods = [], []
        for index in range(count):
            title = (self.senior if index == 0 else self.staff).draw(dice) if company else None
            contact = self._contact(profile, customer_id, next_id(), title, created_at, owner_id, index == 0)
            contacts.append(contact)
            methods.extend(self._methods(contact, profile, company))
        if company and count > 1 and dice.chance(0.04):
            former = self._contact(profile, customer_id, next_id(), None, created_at, owner_id, False)
            successor = contacts[1]
            former.update(title=successor["title"], department=successor["department"],
                          decision_role=successor["decision_role"], is_active=False, replaced_by_id=successor["id"],
                          left_at=created_at + (self.now_utc - created_at) * dice.random())
            contacts.append(former)
            methods.extend(self._methods(former, profile, company))
        return contacts, methods

    def _contact(self, profile, customer_id, contact_id, title, created_at, owner_id, primary) -> dict:
        dice = self.dice
        if profile.fields["kind"] == "individual":  # the person is their own contact
            name, pinyin, initials = (profile.fields[k] for k in ("name", "name_pinyin", "name_initials"))
            title = (dice.pick(data.INDIVIDUAL_TITLES), "", "decision_maker")
        else:
            surname, given = dice.pick(data.SURNAMES), dice.pick(data.GIVEN_NAMES)
            (surname_py, surname_in), (given_py, given_in) = keys(surname), keys(given)
            name, pinyin, initials = surname + given, surname_py + given_py, surname_in + given_in
            title = title or self.staff.draw(dice)
        birthday = None
        if dice.chance(0.35):
            birthday = dt.date(dice.between(1965, 1999), dice.between(1, 12), dice.between(1, 28))
        return {
            "id": contact_id, "customer_id": customer_id, "name": name, "title": title[0], "department": title[1],
            "decision_role": title[2], "preference": self.preference.draw(dice), "birthday": birthday,
            "wechat": "", "note": "", "is_primary": primary, "is_active": True, "left_at": None,
            "replaced_by_id": None, "name_pinyin": pinyin, "name_initials": initials,
            "version": 1, "created_at": created_at, "updated_at": created_at, "updated_by_id": owner_id,
        }

    def _methods(self, contact: dict, profile: Profile, company: bool) -> list[dict]:
        dice = self.dice
        rows = []
        mobile = dice.chance(0.92) or not company
        if mobile:
            rows.append(self._mobile(contact, len(rows)))
        if company and profile.place.landline_heads and (dice.chance(0.3) or not mobile):
            rows.append(self._landline(contact, profile.place, len(rows)))
        if dice.chance(0.55 if company else 0.3) or not rows:
            rows.append(self._email(contact, profile, company))
        if dice.chance(0.5):
            contact["wechat"] = rows[0]["digits"] if mobile and dice.chance(0.4) else \
                f"{contact['name_pinyin']}{dice.between(1, 9999)}"
        return rows

    def _mobile(self, contact: dict, position: int) -> dict:
        dice = self.dice
        digits = f"{dice.pick(self.mobiles)}{dice.between(0, 99_999_999):08d}"
        style = dice.random()
        if style < 0.5:
            raw = digits
        elif style < 0.7:
            raw = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        elif style < 0.9:
            raw = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        else:
            raw = f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
        return self._phone_row(contact, digits, raw, "手机", position)

    def _landline(self, contact: dict, place: Place, position: int) -> dict:
        dice = self.dice
        # The second digit is never 0: "x00…" blocks are not in use in several cities.
        rest = place.landline_length - 2
        local = f"{dice.pick(place.landline_heads)}{dice.between(1, 9)}{dice.between(0, 10 ** rest - 1):0{rest}d}"
        raw = f"0{place.area_code}-{local}" if dice.chance(0.7) else f"(0{place.area_code}){local}"
        return self._phone_row(contact, place.area_code + local, raw, "座机", position)

    @staticmethod
    def _phone_row(contact: dict, digits: str, raw: str, label: str, position: int) -> dict:
        return {"contact_id": contact["id"], "customer_id": contact["customer_id"], "kind": "phone",
                "value": "+86" + digits, "raw": raw, "digits": digits, "label": label, "position": position}

    def _email(self, contact: dict, profile: Profile, company: bool) -> dict:
        dice = self.dice
        if company:
            local = contact["name_pinyin"] if dice.chance(0.6) else f"{contact['name_initials']}{dice.between(1, 99)}"
            address = f"{local}@{profile.domain}"
        else:
            address = f"{contact['name_pinyin']}{dice.between(1, 9999)}@{dice.pick(data.PERSONAL_MAIL)}"
        return {"contact_id": contact["id"], "customer_id": contact["customer_id"], "kind": "email",
                "value": address, "raw": address, "digits": "", "label": "工作邮箱" if company else "个人邮箱",
                "position": 0}
