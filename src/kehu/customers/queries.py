"""Reading customer lists: the filters and keyset paging that the web list and the API share.

Every read starts from visible_customers(user). Pages are cut by keyset (the last row's sort
value and id), never by OFFSET, and never count the whole table.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ValidationError
from kehu.core.policy import visible_customers
from kehu.customers.models import Customer, Industry, Stage

SORTS = {
    "id": "id", "number": "number", "name": "name", "created_at": "created_at", "updated_at": "updated_at",
    "next_follow_up_at": "next_follow_up_at", "last_interaction_at": "last_interaction_at",
    "total_amount": "total_amount",
}
NULLABLE = {"next_follow_up_at", "last_interaction_at"}
DUE_CHOICES = ("overdue", "today", "week", "none")
MAX_LIMIT = 200


@dataclass
class CustomerFilters:
    stage: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    province: str = ""
    city: str = ""
    region: str = ""
    grade: list[str] = field(default_factory=list)
    segment: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    due: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    custom: dict[str, str] = field(default_factory=dict)


def _many(params: Mapping, name: str) -> list[str]:
    values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    values = [values] if isinstance(values, (str, int)) else values
    return [str(v).strip() for item in values for v in str(item).split(",") if str(v).strip()]


def _ints(params: Mapping, name: str, errors: dict) -> list[int]:
    out = []
    for value in _many(params, name):
        # isascii: "²" is a digit to isdigit(); the bound keeps the database driver from overflowing.
        if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
            errors[name] = [_("%(field)s must be a list of ids (whole numbers).") % {"field": name}]
            return []
        out.append(int(value))
    return out


def _day(params: Mapping, name: str, errors: dict) -> dt.date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    day = parse_date(text) if len(text) == 10 else None
    if day is None:
        errors[name] = [_("%(field)s must be a date in the format YYYY-MM-DD.") % {"field": name}]
    return day


def parse_filters(params: Mapping) -> CustomerFilters:
    """Filters from query parameters (web and API alike); bad values raise ValidationError per field."""
    errors: dict[str, list[str]] = {}
    stages = _many(params, "stage")
    if any(s not in Stage.values for s in stages):
        errors["stage"] = [_("stage must be one of: %(choices)s.") % {"choices": ", ".join(Stage.values)}]
    due = (params.get("due") or "").strip()
    if due and due not in DUE_CHOICES:
        errors["due"] = [_("due must be one of: %(choices)s.") % {"choices": ", ".join(DUE_CHOICES)}]
    custom = {k[3:]: str(v) for k, v in params.items() if k.startswith("cf_") and str(v).strip()}
    filters = CustomerFilters(
        stage=stages, owner=_ints(params, "owner", errors), team=_ints(params, "team", errors),
        industry=_many(params, "industry"), province=(params.get("province") or "").strip(),
        city=(params.get("city") or "").strip(), region=(params.get("region") or "").strip(),
        grade=_many(params, "grade"), segment=_many(params, "segment"), tag=_many(params, "tag"),
        channel=_ints(params, "channel", errors), due=due,
        created_from=_day(params, "created_from", errors), created_to=_day(params, "created_to", errors),
        updated_from=_day(params, "updated_from", errors), updated_to=_day(params, "updated_to", errors),
        custom=custom,
    )
    if errors:
        raise ValidationError(errors)
    return filters


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _due_q(due: str) -> Q:
    now = clock.now()
    if due == "overdue":
        return Q(next_follow_up_at__lt=now)
    if due == "today":
        return Q(next_follow_up_at__lt=_day_start(clock.today() + dt.timedelta(days=1)))
    if due == "week":
        return Q(next_follow_up_at__lt=now + dt.timedelta(days=7))
    return Q(next_follow_up_at__isnull=True)


def apply_filters(queryset: QuerySet, filters: CustomerFilters) -> QuerySet:
    q = Q()
    if filters.stage:
        q &= Q(stage__in=filters.stage)
    if filters.owner:
        q &= Q(owner_id__in=filters.owner)
    if filters.team:
        q &= Q(team_id__in=filters.team)
    if filters.industry:
        # A section (e.g. C) covers all its divisions.
        ids = Industry.objects.filter(Q(code__in=filters.industry) | Q(parent__code__in=filters.industry))
        q &= Q(industry_id__in=list(ids.values_list("pk", flat=True)))
    for name in ("province", "city"):
        if getattr(filters, name):
            q &= Q(**{name: getattr(filters, name)})
    if filters.region:
        q &= Q(macro_region=filters.region)
    if filters.grade:
        q &= Q(grade__in=filters.grade)
    if filters.segment:
        q &= Q(segment__in=filters.segment)
    if filters.channel:
        q &= Q(source_channel_id__in=filters.channel)
    if filters.due:
        q &= _due_q(filters.due)
    for name, lookup, shift in (("created_from", "created_at__gte", 0), ("created_to", "created_at__lt", 1),
                                ("updated_from", "updated_at__gte", 0), ("updated_to", "updated_at__lt", 1)):
        day = getattr(filters, name)
        if day is not None:
            q &= Q(**{lookup: _day_start(day + dt.timedelta(days=shift))})
    queryset = queryset.filter(q)
    if filters.custom:
        from kehu.customfields.filters import apply_custom_filters

        queryset = apply_custom_filters(queryset, filters.custom)
    if filters.tag:
        queryset = queryset.filter(tags__name__in=filters.tag).distinct()
    return queryset


# --- keyset paging -----------------------------------------------------------

@dataclass
class Page:
    items: list[Customer]
    next_cursor: str | None
    sort: str


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(column: str, value: Any) -> Any:
    """The sort value from a cursor; ValueError for anything a cursor we made cannot hold
    (cursors come back from clients, so a forged one must be a 422, never a 500)."""
    if value is None:
        return None
    if column in ("created_at", "updated_at", *NULLABLE):
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise ValueError(value)
        return moment
    if column == "total_amount":
        amount = Decimal(value) if isinstance(value, str) else Decimal("NaN")
        if not amount.is_finite():
            raise ValueError(value)
        return amount
    if column == "id":
        if type(value) is not int or not 0 <= value <= 2**63 - 1:
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def make_cursor(column: str, row: Customer) -> str:
    raw = json.dumps([_encode(getattr(row, column)), row.pk], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(column: str, cursor: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if type(pk) is not int or not 0 <= pk <= 2**63 - 1:
            raise ValueError(pk)
        return _decode(column, value), pk
    except (ValueError, TypeError, InvalidOperation, UnicodeDecodeError):
        raise ValidationError({"cursor": [_("cursor is not valid; start again from the first page.")]}) from None


def parse_sort(sort: str) -> tuple[str, bool]:
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"))
    if column is None:
        choices = ", ".join(f"{name}, -{name}" for name in SORTS)
        raise ValidationError({"sort": [_("sort must be one of: %(choices)s.") % {"choices": choices}]})
    return column, descending


def _after(column: str, descending: bool, value: Any, pk: int) -> Q:
    op = "lt" if descending else "gt"
    return Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": pk})


def _order(column: str, descending: bool):
    return F(column).desc() if descending else F(column).asc()


# Sort columns with an index of their own in (column, id) order: cust_name, the unique number,
# cust_next_follow_up, cust_last_interaction, cust_updated.
WALKABLE = {"name", "number", "next_follow_up_at", "last_interaction_at", "updated_at"}
FEW = 5000  # below this many matching rows, sorting them is cheaper than walking an index
FIRST_BATCH = 200
MAX_BATCH = 5000


def rows_in_order(queryset: QuerySet, column: str, *, descending: bool = False, count: int,
                  position: tuple | None = None, where: Q | None = None, index: QuerySet | None = None,
                  many: bool = False) -> list:
    """The first `count` rows of `queryset` in (column, id) order after `position` (a (value, id)
    keyset), fast whether few rows match or most of a million.

    A database asked for "these rows, ordered by x, first 50" guesses which index to use and
    often guesses wrong: it sorts everything a big team matches, or walks the x index past a
    million rows to find the few of one owner. So the rows are counted first (at most FEW): few
    are fetched by id and sorted; many are found by walking `index` (by default every live
    customer; the model's rows on the index of `column`) in growing batches and keeping those
    the queryset contains, as kehu.search does with its index. `many=True` skips the count when
    the caller already knows.
    """
    where = where or Q()
    matching = queryset.filter(where)
    if position is not None:
        matching = matching.filter(_after(column, descending, *position))
    ordering = [_order(column, descending), _order("id", descending)]
    ids = [] if many else list(matching.order_by().values_list("pk", flat=True)[:FEW])
    if not many and len(ids) < FEW:
        return list(matching.model._default_manager.filter(pk__in=ids).select_related(
            *_related(queryset)).order_by(*ordering)[:count]) if ids else []
    from kehu.customers.models import Customer

    index = (Customer.objects.alive() if index is None else index).filter(where)
    found: list[int] = []
    batch = max(FIRST_BATCH, count)
    while len(found) < count:
        walk = index if position is None else index.filter(_after(column, descending, *position))
        chunk = list(walk.order_by(*ordering).values_list("id", column)[:batch])
        if not chunk:
            break
        keep = set(matching.filter(pk__in=[pk for pk, _value in chunk]).values_list("id", flat=True))
        found += [pk for pk, _value in chunk if pk in keep][: count - len(found)]
        if len(chunk) < batch:
            break
        position = (chunk[-1][1], chunk[-1][0])
        batch = min(batch * 4, MAX_BATCH)
    rows = matching.filter(pk__in=found).in_bulk()
    return [rows[pk] for pk in found if pk in rows]


def _related(queryset: QuerySet) -> list[str]:
    """The select_related paths of a queryset, to keep them on the re-query by id."""
    def paths(tree, prefix=""):
        for name, sub in tree.items():
            yield prefix + name
            yield from paths(sub, prefix + name + "__")
    related = queryset.query.select_related
    return list(paths(related)) if isinstance(related, dict) else []


def _ordered_rows(queryset: QuerySet, column: str, descending: bool, position: tuple | None, count: int,
                  *, where: Q | None = None) -> list:
    if column not in WALKABLE:  # no index of its own to walk: let the database sort
        matching = queryset.filter(where or Q())
        if position is not None:
            matching = matching.filter(_after(column, descending, *position))
        return list(matching.order_by(_order(column, descending), _order("id", descending))[:count])
    return rows_in_order(queryset, column, descending=descending, count=count, position=position, where=where)


def _nullable_rows(queryset: QuerySet, column: str, descending: bool, cursor: tuple | None, count: int) -> list:
    """Nulls last, as two queries: the rows with a value in (value, id) order, then those without
    one by id. `ORDER BY x NULLS LAST, id` in one query matches no index on SQLite (an ascending
    index keeps the nulls first), so it sorted every visible customer; each of these two walks an
    index (x, then id) and stops after a page."""
    op = "lt" if descending else "gt"
    rows: list = []
    if cursor is None or cursor[0] is not None:
        rows = _ordered_rows(queryset, column, descending, cursor, count, where=Q(**{f"{column}__isnull": False}))
    if len(rows) < count:
        empty = queryset.filter(**{f"{column}__isnull": True})
        if cursor is not None and cursor[0] is None:  # already in the nulls
            empty = empty.filter(**{f"id__{op}": cursor[1]})
        rows += list(empty.order_by(_order("id", descending))[: count - len(rows)])
    return rows


def paginate(queryset: QuerySet, *, sort: str = "-id", cursor: str | None = None, limit: int = 50) -> Page:
    column, descending = parse_sort(sort)
    limit = max(1, min(int(limit), MAX_LIMIT))
    position = read_cursor(column, cursor) if cursor else None
    if column in NULLABLE:
        rows = _nullable_rows(queryset, column, descending, position, limit + 1)
    elif column == "id":
        if position is not None:
            queryset = queryset.filter(_after(column, descending, *position))
        # Plain ASC/DESC: PostgreSQL walks a (…, -id) index backwards only for an exact match, and
        # `id DESC NULLS LAST` is not one (DESC means NULLS FIRST there).
        rows = list(queryset.order_by(_order("id", descending))[: limit + 1])
    else:
        rows = _ordered_rows(queryset, column, descending, position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=make_cursor(column, rows[-1]) if more and rows else None, sort=sort)


def customer_page(user, params: Mapping, *, cursor: str | None = None, limit: int = 50) -> Page:
    """A page of the customers `user` may see, filtered and sorted as the parameters say."""
    queryset = apply_filters(visible_customers(user), parse_filters(params))
    queryset = queryset.select_related("owner", "industry", "source_channel")
    return paginate(queryset, sort=params.get("sort") or "-id", cursor=cursor or params.get("cursor"), limit=limit)
