"""Possible duplicates of a customer being entered: same credit code, same phone, similar name.

Only customers the user may see are searched (the warning must not reveal other teams' records).
Names are compared by their distinctive part: the place in front and the legal form behind
("苏州" … "有限公司") say nothing about identity, so they are removed before rapidfuzz compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q
from rapidfuzz import fuzz

from kehu.core.policy import visible_customers
from kehu.core.validators import FieldError, clean_phone, clean_uscc, normalise_text, phone_digits
from kehu.customers.models import ContactMethod, ContactMethodKind, Customer
from kehu.customers.regions import MACRO_REGIONS

LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "分公司", "工作室", "商行", "厂",
               "co., ltd.", "co.,ltd.", "co. ltd", "ltd.", "ltd", "inc.", "inc", "llc", "corp.", "corp")
PLACES = tuple(sorted({p for ps in MACRO_REGIONS.values() for p in ps}, key=len, reverse=True))
PLACE_SUFFIXES = ("省", "市", "区", "县")
NAME_THRESHOLD = 85
CANDIDATES = 200
_SPACES = re.compile(r"[\s()（）·.,，-]+")


@dataclass
class Duplicate:
    customer: Customer
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def core_name(name: str) -> str:
    """The distinctive part: 苏州恒力汽车零部件有限公司 → 恒力汽车零部件."""
    text = _SPACES.sub("", normalise_text(name or "").lower())
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS:
            key = _SPACES.sub("", form)
            if text.endswith(key) and len(text) > len(key) + 1:
                text, changed = text[: -len(key)], True
    for place in PLACES:
        if text.startswith(place) and len(text) > len(place) + 1:
            text = text[len(place):]
            if text[:1] in PLACE_SUFFIXES and len(text) > 2:
                text = text[1:]
            break
    # A city in front (苏州, 深圳…) is not a province: drop two characters followed by 市.
    if len(text) > 4 and text[2:3] == "市":
        text = text[3:]
    return text


def name_similarity(a: str, b: str) -> int:
    """0–100. One name inside the other counts when the shorter has four characters or more
    (恒力汽车零部件 in 苏州恒力汽车零部件); shorter ones must match as a whole."""
    score = fuzz.ratio(a, b)
    if min(len(a), len(b)) >= 4:
        score = max(score, fuzz.partial_ratio(a, b))
    return int(score)


def _phone_digits(phones: list[str]) -> set[str]:
    out = set()
    for text in phones:
        try:
            out.add(phone_digits(clean_phone(text).e164))
        except FieldError:
            continue
    return out


def find_duplicates(user, *, name: str = "", phones: list[str] | None = None, credit_code: str = "",
                    exclude_pk: int | None = None, limit: int = 5) -> list[Duplicate]:
    """Customers `user` may see that look like the one being entered, the strongest first."""
    visible = visible_customers(user)
    if exclude_pk:
        visible = visible.exclude(pk=exclude_pk)
    found: dict[int, Duplicate] = {}

    def hit(customer: Customer, reason: str, score: int) -> None:
        entry = found.setdefault(customer.pk, Duplicate(customer))
        if reason not in entry.reasons:
            entry.reasons.append(reason)
        entry.score = max(entry.score, score)

    code = (credit_code or "").strip().upper()
    if code:
        try:
            code = clean_uscc(code, field="credit_code")
        except FieldError:
            code = ""
    if code:
        for customer in visible.filter(credit_code=code).select_related("owner")[:limit]:
            hit(customer, "credit_code", 100)

    digits = _phone_digits(phones or [])
    if digits:
        ids = (ContactMethod.objects.filter(kind=ContactMethodKind.PHONE, digits__in=digits)
               .values_list("customer_id", flat=True)[:CANDIDATES])
        for customer in visible.filter(pk__in=list(ids)).select_related("owner")[:limit]:
            hit(customer, "phone", 95)

    core = core_name(name)
    if len(core) >= 2:
        # The distinctive part's first characters narrow the candidates before the fuzzy compare;
        # the second probe skips two characters, a city name nobody can strip without a gazetteer.
        probes = {core[:4]} | ({core[2:6]} if len(core) >= 6 else set())
        query = Q()
        for probe in probes:
            query |= Q(name__contains=probe)
        for customer in visible.filter(query).select_related("owner")[:CANDIDATES]:
            score = name_similarity(core, core_name(customer.name))
            if score >= NAME_THRESHOLD:
                hit(customer, "name", score)
    ranked = sorted(found.values(), key=lambda d: (-len(d.reasons), -d.score, -d.customer.pk))
    return ranked[:limit]
