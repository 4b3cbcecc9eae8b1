"""Options for the selects of the web pages (industries, channels, tags, people, teams)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import get_language

from kehu.accounts.models import Role, Team, User
from kehu.customers.models import Channel, Industry, Tag
from kehu.customers.regions import MACRO_REGIONS


_INDUSTRY_GROUPS: dict[str, list] = {}


def industry_groups() -> list:
    """Divisions under their section, as teams pick them (制造业 › 汽车制造业). GB/T 4754 is shipped
    data that only a release changes, so the options are built once per process and language."""
    language = get_language() or ""
    if language not in _INDUSTRY_GROUPS:
        _INDUSTRY_GROUPS[language] = _build_industry_groups()
    return _INDUSTRY_GROUPS[language]


def _build_industry_groups() -> list:
    rows = list(Industry.objects.order_by("code"))
    sections = {row.pk: row for row in rows if row.level == 1}
    groups: dict[int, list] = {pk: [] for pk in sections}
    for row in rows:
        if row.level == 2 and row.parent_id in groups:
            groups[row.parent_id].append((row.code, f"{row.code} {row.display_name}"))
    return [(f"{s.code} {s.display_name}", [(s.code, f"{s.code} {s.display_name}"), *groups[pk]])
            for pk, s in sections.items()]


def channel_options(*, include_inactive: bool = False) -> list[tuple[int, str]]:
    rows = Channel.objects.all() if include_inactive else Channel.objects.filter(is_active=True)
    return list(rows.order_by("name").values_list("pk", "name"))


def tag_options() -> list[tuple[str, str]]:
    return [(tag.name, tag.name) for tag in Tag.objects.order_by("group", "name")]


def region_options() -> list[tuple[str, str]]:
    return [(name, name) for name in MACRO_REGIONS]


def people_for(user) -> list[User]:
    """Whom `user` may pick as owner or filter by: a manager their teams; admins everyone; a rep themself."""
    if user.is_superuser or user.role == Role.DATA_ADMIN:
        rows = User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER])
    elif user.role == Role.MANAGER:
        rows = User.objects.filter(Q(team__lead=user) | Q(pk=user.pk), is_active=True)
    else:
        return [user]
    return list(rows.order_by("display_name", "username")[:500])


def team_options(user) -> list[tuple[int, str]]:
    if user.is_superuser or user.role == Role.DATA_ADMIN:
        return list(Team.objects.order_by("name").values_list("pk", "name"))
    if user.role == Role.MANAGER:
        return list(Team.objects.filter(lead=user).order_by("name").values_list("pk", "name"))
    return []
