"""Reading customer lists: the filters and keyset paging that the web list and the API share.

Every read starts from visible_customers(user). Pages are cut by keyset (the last row's sort
value and id), never by OFFSET, and never count the whole table.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import ValidationError
from kehu.core.policy import access_for, scope_branches, visible_customers
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
        # EXISTS, not a join + DISTINCT: a join makes the database collect and de-duplicate every
        # tagged customer (90 k for a common tag at 1 M: 0.6 s) before the first page; a
        # correlated EXISTS is tested row by row along whatever index serves the page's order.
        # The tags' ids first (a handful): each tested row then probes (customer, tag) alone
        # instead of joining the tag table by name (a walk tests a thousand rows for a page).
        from kehu.customers.models import Tag

        tags = list(Tag.objects.filter(name__in=filters.tag).values_list("pk", flat=True))
        links = Customer.tags.through.objects.filter(customer_id=OuterRef("pk"), tag_id__in=tags)
        queryset = queryset.filter(Exists(links))
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
    if column == "id":
        return Q(**{f"id__{op}": pk})  # a plain range: with the OR below SQLite may sort what follows
    return Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": pk})


def _order(column: str, descending: bool):
    return F(column).desc() if descending else F(column).asc()


# Sort columns with an index of their own in (column, id) order: cust_name, the unique number,
# cust_next_follow_up, cust_last_interaction, cust_updated, cust_created (customers 0005).
# The primary key too: "stage=… newest first" let the database pick the filter's index and sort
# everything it matched (industry=C or channel=1,2,3: 3–4 s at a million on SQLite).
WALKABLE = {"id", "name", "number", "next_follow_up_at", "last_interaction_at", "updated_at", "created_at"}
# Below this many matching rows, sorting them is cheaper than walking an index. A rep's scope
# (5,405 customers in the benchmark) no longer comes this way: paginate(user=…) sorts it directly
# (few_in_scope). Counting costs one index entry per row, and SQLite counts a team's rows through
# the plain team_id index with a table read each (BENCHMARKS.md: 20,000 cost a lead ~100 ms).
FEW = 5000
FIRST_BATCH = 200
MAX_BATCH = 5000
SPARSE = 1000  # rows found sparse along a walk and few enough to fetch by id and sort
PROBE_AFTER = 1000  # index entries walked before sparse rows are counted
WALK_LIMIT = 20000  # index entries walked before the rest of a page is left to the database


_ANYONE = object()  # paginate() called without a user: no per-user rules (system callers, old callers)


def rows_in_order(queryset: QuerySet, column: str, *, descending: bool = False, count: int,
                  position: tuple | None = None, where: Q | None = None, index: QuerySet | None = None,
                  many: bool = False) -> list:
    """The first `count` rows of `queryset` in (column, id) order after `position` (a (value, id)
    keyset), fast whether few rows match or most of a million.

    A database asked for "these rows, ordered by x, first 50" guesses which index to use and
    often guesses wrong: it sorts everything a big team matches, or walks the x index past a
    million rows to find the few of one owner. So `index` (by default every live customer; the
    model's rows on the index of `column`) is walked in growing batches, keeping the rows the
    queryset contains, as kehu.search does with its index. Most lists fill their page from the
    first batch or two. When the first PROBE_AFTER entries give under a tenth of a page the rows
    are sparse along the index: they are counted (at most SPARSE) and, if fewer, fetched by id and
    sorted (a lead's region their team has no customer in: nothing to walk for). Not sooner: the
    count of a common tag costs 0.1 s on PostgreSQL, a batch or two of the walk a few ms.
    `many=True` never counts (the caller knows there are many and the count would be dear).
    """
    where = where or Q()
    matching = queryset.filter(where)
    if position is not None:
        matching = matching.filter(_after(column, descending, *position))
    ordering = [_order(column, descending), _order("id", descending)]
    from kehu.customers.models import Customer

    index = (Customer.objects.alive() if index is None else index).filter(where)
    found: list[int] = []
    batch, walked, rest, counted = max(FIRST_BATCH, count), 0, [], many
    while len(found) < count:
        if walked >= PROBE_AFTER and not counted and len(found) * 10 < count:
            counted = True  # once: a thousand entries gave under a tenth of the page
            after = matching.filter(_after(column, descending, *position))
            ids = list(after.order_by().values_list("pk", flat=True)[:SPARSE])
            if len(ids) < SPARSE:
                rest = list(_rows_by_id(queryset, ids).order_by(*ordering)[: count - len(found)]) if ids else []
                break
        if walked >= WALK_LIMIT:
            # The rows are sparse along this index (a filter matching few of a big team, or
            # none): leave the rest to the database, from where the walk stopped.
            rest = list(matching.filter(_after(column, descending, *position)).order_by(*ordering)
                        [: count - len(found)])
            break
        walk = index if position is None else index.filter(_after(column, descending, *position))
        chunk = list(walk.order_by(*ordering).values_list("id", column)[:batch])
        if not chunk:
            break
        keep = set(matching.filter(pk__in=[pk for pk, _value in chunk]).values_list("id", flat=True))
        found += [pk for pk, _value in chunk if pk in keep][: count - len(found)]
        if len(chunk) < batch:
            break
        position, walked = (chunk[-1][1], chunk[-1][0]), walked + len(chunk)
        # The next batch from the density seen so far (half again for luck), not blindly four
        # times bigger: a filter keeping 1 row in 20 needs ~1,000 entries, not 4,200 checked by id.
        wanted = (count - len(found)) * walked * 3 // (2 * len(found)) + 1 if found else batch * 4
        batch = max(FIRST_BATCH, min(wanted, batch * 4, MAX_BATCH))
    rows = matching.filter(pk__in=found).in_bulk()
    return [rows[pk] for pk in found if pk in rows] + rest


def _related(queryset: QuerySet) -> list[str]:
    """The select_related paths of a queryset, to keep them on the re-query by id."""
    def paths(tree, prefix=""):
        for name, sub in tree.items():
            yield prefix + name
            yield from paths(sub, prefix + name + "__")
    related = queryset.query.select_related
    return list(paths(related)) if isinstance(related, dict) else []


def _ordered_rows(queryset: QuerySet, column: str, descending: bool, position: tuple | None, count: int,
                  *, where: Q | None = None, plan: str = "") -> list:
    if plan == DIRECT or column not in WALKABLE:  # a small scope, or no index of its own to walk: let the database sort
        matching = queryset.filter(where or Q())
        if position is not None:
            matching = matching.filter(_after(column, descending, *position))
        return _page_by_ids(matching.order_by(_order(column, descending), _order("id", descending)), count)
    return rows_in_order(queryset, column, descending=descending, count=count, position=position, where=where)


def _page_by_ids(ordered: QuerySet, count: int) -> list:
    """The first `count` rows of an ordered queryset. On PostgreSQL their ids first (the scope,
    the filters and the order alone), then the rows with what the caller joins to them: asked in
    one query, PostgreSQL joined the related tables to every row of a rep's scope before sorting
    (it cannot estimate `id = ANY(ARRAY(…))`, the policy's shape for several branches, and took
    it for ten rows): 29 ms against 11 for a page of 51. SQLite plans the one query well."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return list(ordered[:count])
    ids = list(ordered.values_list("pk", flat=True)[:count])
    found = _rows_by_id(ordered, ids).in_bulk() if ids else {}
    return [found[pk] for pk in ids if pk in found]


def _rows_by_id(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """The rows with these ids (which `queryset` chose just now) with its joins and annotations
    (the API's tag names), by id alone: the scope and filters are not asked again."""
    return queryset.model._default_manager.filter(pk__in=ids).select_related(*_related(queryset)).annotate(
        **queryset.query.annotations)


def _nullable_rows(queryset: QuerySet, column: str, descending: bool, cursor: tuple | None, count: int,
                   plan: str = "") -> list:
    """Nulls last, as two queries: the rows with a value in (value, id) order, then those without
    one by id. `ORDER BY x NULLS LAST, id` in one query matches no index on SQLite (an ascending
    index keeps the nulls first), so it sorted every visible customer; each of these two walks an
    index (x, then id) and stops after a page."""
    op = "lt" if descending else "gt"
    rows: list = []
    if cursor is None or cursor[0] is not None:
        rows = _ordered_rows(queryset, column, descending, cursor, count, where=Q(**{f"{column}__isnull": False}),
                             plan=plan)
    if len(rows) < count:
        empty = queryset.filter(**{f"{column}__isnull": True})
        if cursor is not None and cursor[0] is None:  # already in the nulls
            empty = empty.filter(**{f"id__{op}": cursor[1]})
        rows += list(empty.order_by(_order("id", descending))[: count - len(rows)])
    return rows


def _merged_rows(queryset: QuerySet, branches: list[QuerySet], column: str, descending: bool,
                 position: tuple | None, count: int) -> list:
    """The page of a scope that is a union of branches (a rep's own customers ∪ their links): each
    branch's first `count` ids read on its own — the owner's through the (owner, …) indexes in
    order, the few linked rows sorted — then the rows of the (at most 2 × count) ids found, ordered
    by the database and cut to the page. Asked as one query, the database read the union whole and
    sorted it (3.5 k rows for every page of a rep with 20 links). The page of a union is within
    the union of the branches' pages; the database's own ORDER BY decides, so the collation is the
    database's (newest first: ids, merged here)."""
    if column in NULLABLE:  # two reads a branch (with a value, then without)
        ids = {pk for branch in branches for pk in _branch_ids(branch, column, descending, position, count)}
    else:  # every branch's page in one query: (… LIMIT n) UNION ALL (… LIMIT n)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(*branch_pages_sql(branches, column, descending, position, count))
            ids = {row[0] for row in cursor.fetchall()}
    if not ids:
        return []
    if column == "id":
        page = sorted(ids, reverse=descending)[:count]
        found = _rows_by_id(queryset, page).in_bulk()
        return [found[pk] for pk in page if pk in found]
    value = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return list(_rows_by_id(queryset, sorted(ids)).order_by(value, _order("id", descending))[:count])


def branch_pages_sql(branches: list[QuerySet], column: str, descending: bool, position: tuple | None,
                     count: int) -> tuple[str, list]:
    """One query for the first `count` ids of every branch (a column without nulls)."""
    parts = [_branch_ids(branch, column, descending, position, count, query=True).query.sql_with_params()
             for branch in branches]
    return (" UNION ALL ".join(f"SELECT * FROM ({sql}) AS b{n}" for n, (sql, _params) in enumerate(parts)),
            [param for _sql, params in parts for param in params])


def _branch_ids(branch: QuerySet, column: str, descending: bool, position: tuple | None, count: int,
                query: bool = False):
    """The first `count` ids of one branch after `position`, in (column, id) order, nulls last (as
    _nullable_rows: the rows with a value, then those without by id). `query`: the queryset of
    them instead (a column without nulls), to be joined with the other branches'."""
    ordering = [_order(column, descending), _order("id", descending)] if column != "id" else [_order("id", descending)]
    if column not in NULLABLE:
        after = branch if position is None else branch.filter(_after(column, descending, *position))
        ids = after.order_by(*ordering).values_list("pk", flat=True)[:count]
        return ids if query else list(ids)
    ids: list[int] = []
    if position is None or position[0] is not None:
        present = branch.filter(**{f"{column}__isnull": False})
        if position is not None:
            present = present.filter(_after(column, descending, *position))
        ids = list(present.order_by(*ordering).values_list("pk", flat=True)[:count])
    if len(ids) < count:
        empty = branch.filter(**{f"{column}__isnull": True})
        if position is not None and position[0] is None:  # already in the nulls
            empty = empty.filter(**{f"id__{'lt' if descending else 'gt'}": position[1]})
        ids += list(empty.order_by(_order("id", descending)).values_list("pk", flat=True)[: count - len(ids)])
    return ids


def list_querysets(user, filters: CustomerFilters) -> tuple[QuerySet, list[QuerySet] | None]:
    """The customers `user` may see after the list filters, and — when the policy gives the scope
    as branches (core.policy.scope_branches: a rep's own customers and their links) — the same
    per branch, for paginate(branches=…) to read each through its own indexes and merge."""
    parts = scope_branches(user)
    if parts is None:
        return apply_filters(visible_customers(user), filters), None
    everyone = apply_filters(Customer.objects.alive(), filters)
    # The whole scope as the OR of its branches (the same rows as visible_customers(), cheaper to
    # build): what is read from it is tested by id (walks, the search's base), never sorted whole.
    either = Q()
    for part in parts:
        either |= part
    return everyone.filter(either), [everyone.filter(part) for part in parts]


def paginate(queryset: QuerySet, *, sort: str = "-id", cursor: str | None = None, limit: int = 50,
             user: Any = _ANYONE, filters: CustomerFilters | None = None,
             branches: list[QuerySet] | None = None) -> Page:
    """A page of `queryset`. Pass `user` (the one whose visible_customers the queryset starts
    from): it refuses sorts by confidential amounts to those who may not see them all
    (check_sort_allowed), and reads a small scope (one rep's customers) through its own index and
    lets the database sort it, instead of counting the rows first (list_plan). `filters`: the
    list filters applied to the queryset beyond the user's scope (newest first is then walked like
    the other sorts, as the database would otherwise sort all a filter's rows, unless an index of
    the scope serves them in order). `branches`: the queryset's rows as the union of these (from
    list_querysets), read apart and merged when the scope is read directly."""
    column, descending = parse_sort(sort)
    plan = DIRECT if column == "id" else ""  # callers without a user: newest first as the database plans it
    if user is not _ANYONE:
        check_sort_allowed(user, sort)
        plan = list_plan(user, column, filters is not None and filters != CustomerFilters(),
                         served=filters is not None and id_order_served(filters, user))
    limit = max(1, min(int(limit), MAX_LIMIT))
    position = read_cursor(column, cursor) if cursor else None
    if branches and plan == DIRECT:
        rows = _merged_rows(queryset, branches, column, descending, position, limit + 1)
    elif column in NULLABLE:
        rows = _nullable_rows(queryset, column, descending, position, limit + 1, plan)
    elif column == "id" and plan == DIRECT:
        if position is not None:
            queryset = queryset.filter(_after(column, descending, *position))
        # Plain ASC/DESC: PostgreSQL walks a (…, -id) index backwards only for an exact match, and
        # `id DESC NULLS LAST` is not one (DESC means NULLS FIRST there).
        rows = _page_by_ids(queryset.order_by(_order("id", descending)), limit + 1)
    elif column == "id" and plan == MANY:
        # A big team, filtered, newest first: walk the team's own (team, -id) index and test the
        # filters by id; the database would pick the filter's index and sort all it matches.
        from kehu.customers.models import Customer

        team = Customer.objects.alive().filter(team_id__in=sorted(access_for(user).led_team_ids))
        rows = rows_in_order(queryset, "id", descending=descending, count=limit + 1, position=position, index=team)
    else:
        rows = _ordered_rows(queryset, column, descending, position, limit + 1, plan=plan)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=make_cursor(column, rows[-1]) if more and rows else None, sort=sort)


def few_in_scope(user, column: str = "id") -> bool:
    """True when the user's scope is read directly: a user who leads no team and does not see
    every customer (a rep: their own customers and a few links). Their rows are read through the
    owner's indexes — (owner, -id), (owner, stage, -id), (owner, name, id), (owner, next follow-up,
    id), (owner, -updated_at, -id) serve the common orders and the stage filter — or sorted by the
    database; counting them first, or walking a global sort index keeping one row in a few hundred,
    costs more. On SQLite a rep given a big book (over FEW) sorted by a column without an owner
    index (creation, last interaction) is walked like a team instead: SQLite sorted the 103 k rows
    for each page (0.2 s). PostgreSQL knows the owner's share and walks the sort index itself."""
    from django.db import connection

    access = access_for(user)
    if not (access.active and not access.is_system and not access.sees_all_customers and not access.is_team_lead):
        return False
    if connection.vendor != "sqlite" or column in OWNER_ORDERED:
        return True
    return _scope_size("owner_id", [access.pk], "cust_owner") < FEW


OWNER_ORDERED = {"id", "name", "next_follow_up_at", "updated_at"}  # an (owner, column…) index each


DIRECT, MANY = "direct", "many"


def id_order_served(filters: CustomerFilters, user: Any = _ANYONE) -> bool:
    """Whether the scope's own index holds these filters' rows newest first: one stage (the
    pipeline's columns, the list's most used filter) has (owner|team, stage, -id) and
    (stage, -id); a region and one stage have (team, region, stage, -id) and (region, stage, id)
    for a lead's teams and for everyone's customers (not for a rep's own: no such index)."""
    if len(filters.stage) != 1:
        return False
    if replace(filters, stage=[]) == CustomerFilters():
        return True
    if replace(filters, stage=[], region="") != CustomerFilters() or user is _ANYONE:
        return False
    access = access_for(user)
    teams_only = bool(access.led_team_ids) and access.scope_parts() == (False, False)
    return access.active and (access.sees_all_customers or teams_only)


def list_plan(user, column: str, filtered: bool = False, *, served: bool = False) -> str:
    """How to read a page for this user's scope, decided from its shape and at most one bounded
    count of a scope index (FEW entries):
    DIRECT — the database reads the scope through its own index and sorts it (a rep owning fewer
    than FEW; a team of fewer than FEW; a one-team lead by last change, served by (team,
    -updated_at, -id); newest first unfiltered, which every scope index holds in order);
    MANY — a big team: walk the sort index keeping the team's rows (a tenth or more of all);
    "" — walk the sort index (everyone's customers, a rep's big book, scopes of several kinds)."""
    if _one_team_by_update(user, column) or (column == "id" and (not filtered or served)):
        return DIRECT
    if few_in_scope(user, column):
        return DIRECT
    access = access_for(user)
    if access.active and not access.is_system and not access.sees_all_customers and access.led_team_ids \
            and access.scope_parts() == (False, False):
        return DIRECT if _team_size(sorted(access.led_team_ids)) < FEW else MANY
    return ""


def _team_size(teams: list[int]) -> int:
    return _scope_size("team_id", teams, "cust_team")


def _scope_size(column: str, values: list[int], index: str) -> int:
    """Live customers with `column` in these values, up to FEW, from the partial index alone
    (SQLite otherwise counts through the plain foreign-key index, reading every row for
    deleted_at)."""
    from django.db import connection

    hint = f"INDEXED BY {index} " if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM customers_customer {hint}WHERE {column} IN "
                       f"({', '.join(str(int(v)) for v in values)}) AND deleted_at IS NULL LIMIT %s) AS t", [FEW])
        return cursor.fetchone()[0]


def _one_team_by_update(user, column: str) -> bool:
    """A lead of one team whose scope is just that team, sorting by last change: the composite
    index (team, -updated_at, -id) serves the direct query."""
    access = access_for(user)
    return (column == "updated_at" and access.active and not access.is_system and not access.sees_all_customers
            and len(access.led_team_ids) == 1 and access.scope_parts() == (False, False))


def check_sort_allowed(user, sort: str) -> None:
    """Sorting by an amount orders customers by a confidential figure (R33), so it is refused to
    users who may not see the amounts of every customer in their scope: the order itself would
    tell them what they may not see. Amounts are seen by the organisation admin, the owner and the
    team lead (kehu.core.policy.confidential_customers); a data admin sees every customer but no
    amounts, and a collaborator link gives sight without the amounts."""
    if sort.lstrip("-") not in CONFIDENTIAL_SORTS:
        return
    access = access_for(user)
    if access.is_org_admin:
        return
    if access.active and not access.sees_all_customers and not access.scope_parts()[1]:
        return  # owned customers and led teams only: all confidential to them
    raise ValidationError({"sort": [_("You may not sort by %(field)s: it is confidential for some of the customers "
                                      "you can see.") % {"field": sort.lstrip("-")}]})


CONFIDENTIAL_SORTS = {"total_amount"}


def customer_page(user, params: Mapping, *, cursor: str | None = None, limit: int = 50) -> Page:
    """A page of the customers `user` may see, filtered and sorted as the parameters say."""
    filters = parse_filters(params)
    user = access_for(user)  # one Access for the scope and the plan: the led teams are read once
    queryset, branches = list_querysets(user, filters)
    return paginate(queryset.select_related("owner", "industry", "source_channel"), sort=params.get("sort") or "-id",
                    cursor=cursor or params.get("cursor"), limit=limit, user=user, filters=filters, branches=branches)
