"""How a search runs (the contract is in kehu.search's docstring).

Each customer has one search document "|key|key|…|" (kehu.search.ddl) and one row per key in
search_key (kehu.search.keytable). A query q is folded the same way, and three groups rank the
matches: a key equals q, a key starts with q, a key contains q — newest customer first in each.

- Exact and prefix groups come from the B-tree of keys: one range, [q, q] or [q, q + U+10FFFF).
  For a user whose scope the policy gives as owner / led teams / collaborator links, the range is
  asked per branch — (owner_id, key) and (team_id, key) — so the index answers "key in range AND
  in scope" itself; links are few and their documents are tested directly.
- The substring group comes from the trigram index (FTS5 on SQLite, a GIN index on PostgreSQL).
  The index holds each document's owner and team as scope tokens beside its trigrams
  (kehu.search.ddl.scope_text), so for a scoped user it is asked "contains q AND owned by me /
  in my teams" and intersects the posting lists itself, newest first; collaborator links are few
  and their documents are tested directly and merged in. A scope's own documents have their own
  index on SQLite (search_own: their trigrams as owner and team terms); on PostgreSQL a rep's
  newest customers are tested first when the pattern is common enough (owned_walk_pays).

Either way the answer is cut by density. A range query that returns more than CAP rows, or a
substring in a good share of all documents (trigram.common_everywhere), means the pattern is
common, and then walking the customers in scope newest first and testing each document
(instr/strpos) finds a page after a few hundred rows; otherwise the whole (small) candidate set
is read, sorted newest first and checked against the scope. Every id
returned has been checked against the user's queryset (visible_customers, or the caller's `base`
narrowed by it), so the shortcuts above can only make a search faster, never wider. The plans
give the same answers; tests run them against each other on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.functions import StrIndex

from kehu.core.policy import access_for, customer_scope, visible_customers
from kehu.core.validators import normalise_text, phone_digits
from kehu.search.ddl import SCOPE_OWNER, SCOPE_TEAM, fold, scope_token
from kehu.search.keytable import TOP
from kehu.search.trigram import (common_everywhere, fetch_ids, fetch_rows, index_newest_first,
                                 own_newest_first, pattern_share, scope_share, trigram_candidates)

MAX_LIMIT = 200
MAX_QUERY = 100
# Below this many customers in a caller's `base` queryset, scanning them is cheapest.
SCAN_THRESHOLD = 5000
# More candidates than this from an index range means a common pattern: walk newest first instead.
CAP = 10000
# A scope this small is read whole (its ids) to intersect with the candidates.
SMALL_SCOPE = 20000
# Documents of a rep's newest customers tested per first step of a walk.
FIRST_LOOK = 256
FIRST_BATCH = 64
MAX_BATCH = 4096
# A rep's newest customers read first for a pattern in a few percent of all documents (PostgreSQL).
OWNED_WINDOW = 500
# A user's collaborator links up to this many: their documents are read once per search.
LINKED_READ = 200
BIGGEST_ID = 2**63 - 1
# A scope holding this share of all documents or more is searched like everyone's (PostgreSQL).
DENSE_SCOPE = 0.2
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")


def prepare(text) -> str:
    """The folded query: NFKC, spaces collapsed; phone-like input reduced to its digits."""
    text = normalise_text(str(text or ""))[:MAX_QUERY]
    if _PHONE_LIKE.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 4:
            if text.startswith("+") or (len(digits) > 11 and digits.startswith("86")):
                digits = phone_digits("+" + digits)
            elif len(digits) >= 10 and digits.startswith("0"):  # a trunk 0 before an area code
                digits = digits[1:]
            text = digits
    return fold(text)


def patterns(query: str) -> list[str]:
    """The ranked patterns: exact, prefix, substring — each only when long enough (a substring
    needs the trigram index's 3 characters; a prefix 2, an exact key 1)."""
    candidates = [f"|{query}|", f"|{query}", query]
    return [p for p in candidates if len(p) >= 3]


@dataclass
class Branches:
    """The policy's scope of a user, by the indexes that serve it (see core.policy.customer_scope)."""

    owner: int | None
    teams: list[int]
    linked_by: int | None

    def tokens(self) -> list[str]:
        """The scope tokens of the owned and team branches in the trigram index (kehu.search.ddl)."""
        return ([scope_token(SCOPE_OWNER, self.owner)] if self.owner else []) + [
            scope_token(SCOPE_TEAM, team) for team in self.teams]


def _branches(access) -> Branches | None:
    owns, links = access.scope_parts()
    branches = Branches(owner=access.pk if owns else None, teams=sorted(access.led_team_ids),
                        linked_by=access.pk if links else None)
    return branches if (branches.owner or branches.teams or branches.linked_by) else None


def search_customer_ids(user, text, *, limit: int = 20, base: QuerySet | None = None) -> list[int]:
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = prepare(text)
    if not query:
        return []
    access = access_for(user)
    if not access.is_system and not access.active:
        return []
    search = _Search(access, base, limit)
    if base is not None and search.queryset.order_by().values("pk")[:SCAN_THRESHOLD].count() < SCAN_THRESHOLD:
        return _scan(search.queryset, patterns(query), limit)
    search = _run(search, query)
    if not search.verified():  # the policy changed shape under us: ask the queryset for everything
        search = _run(_Search(access, base, limit, by_branches=False), query)
    return search.found


def _run(search: "_Search", query: str) -> "_Search":
    pats = patterns(query)
    if f"|{query}|" in pats and f"|{query}" in pats:  # both groups from one range
        search.keys(query, query + TOP, f"|{query}", exact=f"|{query}|")
    elif f"|{query}|" in pats:
        search.keys(query, query, pats[0])
    if query in pats and not search.full:
        search.substring(query)
    return search


def search_customers(user, text, *, limit: int = 20, base: QuerySet | None = None) -> list:
    from kehu.customers.models import Customer

    ids = search_customer_ids(user, text, limit=limit, base=base)
    rows = Customer.objects.filter(pk__in=ids).select_related("owner", "industry", "source_channel").in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def _scan(queryset: QuerySet, pats: list[str], limit: int, found: list[int] | None = None) -> list[int]:
    """The customers of `queryset` newest first, each document tested: for small sets, and for
    patterns common enough that a page is found after a few hundred documents."""
    found = [] if found is None else found
    for pattern in pats:
        need = limit - len(found)
        if need <= 0:
            break
        rows = (queryset.annotate(_hit=StrIndex("search_document__hay", Value(pattern)))
                .filter(_hit__gt=0).exclude(pk__in=found).order_by("-id").values_list("id", flat=True)[:need])
        found.extend(rows)
    return found


# The documents of a user's collaborator links, flagged apart from key rows (keys() reads both at once).
_LINK_ROW = 2


def _in(values) -> str:
    return ", ".join(str(int(v)) for v in values)


class _Search:
    """One search of `access`'s customers (within `base` when given). The querysets are built only
    when a plan needs them: most searches need just the check of a page of candidates."""

    def __init__(self, access, base: QuerySet | None, limit: int, *, by_branches: bool = True):
        self.access, self.base, self.limit = access, base, limit
        self.branches = _branches(access) if by_branches and base is None and not access.sees_all_customers else None
        self.found: list[int] = []
        self.seen: set[int] = set()
        self._scope_ids: set[int] | None | bool = False  # False: not read yet; None: too many

    @cached_property
    def queryset(self) -> QuerySet:
        """What the user may see (within `base`): the fallback plans walk it."""
        if self.base is None:
            return visible_customers(self.access)
        scope = customer_scope(self.access)
        return self.base if scope is None else self.base.filter(scope)

    @cached_property
    def check(self) -> QuerySet:
        """The caller's `base` narrowed by the policy in its OR shape, for checking a few given ids
        at a time (the union would be read whole for every check). Without a base the candidates
        are checked by Access.visible_ids (_visible)."""
        scope = customer_scope(self.access, union=False)
        return self.base if scope is None else self.base.filter(scope)

    @property
    def full(self) -> bool:
        return len(self.found) >= self.limit

    def _take(self, ids_newest_first: list[int], *, checked: set[int] | None = None) -> None:
        """Keep, in order, the ids in scope, until the page is full. `checked`: ids the query that
        found them kept to the policy's condition (Access.scope_sql); the others among them are
        checked in one query. With the scope's ids read (a rep's), membership is a set lookup;
        otherwise batches are checked against the policy."""
        ids = [pk for pk in ids_newest_first if pk not in self.seen]
        if checked is not None:
            unknown = [pk for pk in ids if pk not in checked]
            self._keep(ids, checked | (self._visible(unknown) if unknown else set()))
            return
        # The scope's ids when a walk of the scope has read them already; not read for this alone
        # (a rep's few thousand ids cost more than asking the queryset about a page of candidates).
        if isinstance(self._scope_ids, set):
            self._keep(ids, self._scope_ids)
            return
        start, batch = 0, max(FIRST_BATCH, (self.limit - len(self.found)) * 2)
        while start < len(ids) and not self.full:
            chunk = ids[start:start + batch]
            self._keep(chunk, self._visible(chunk))
            start, batch = start + len(chunk), min(batch * 4, MAX_BATCH)

    def _keep(self, ids: list[int], allowed: set[int]) -> None:
        """Add the allowed ones of `ids` to the page, in order, until it is full."""
        for pk in ids:
            if pk in allowed:
                self.seen.add(pk)
                self.found.append(pk)
                if self.full:
                    return

    def verified(self) -> bool:
        """The final check of what the scope's own indexes let through, against the queryset."""
        if not self.found or not isinstance(self._scope_ids, set):  # no shortcut: every id was checked
            return True
        return self._visible(self.found) == set(self.found)

    def _visible(self, ids: list[int]) -> set[int]:
        if self.base is None:  # the policy's own test of given ids
            return self.access.visible_ids(ids)
        return set(self.check.filter(pk__in=ids).values_list("id", flat=True))

    def _walk(self, pattern: str) -> None:
        """Newest first through the customers in scope, testing each document."""
        in_scope = self._scope()
        if in_scope is not None:  # a rep's: their documents newest first, in growing chunks
            ids, start, batch = sorted(in_scope - self.seen, reverse=True), 0, FIRST_LOOK
            while start < len(ids) and not self.full:
                chunk = ids[start:start + batch]
                hits = set(_documents_containing(chunk, pattern))
                self._take([pk for pk in chunk if pk in hits])
                start, batch = start + len(chunk), min(batch * 4, MAX_BATCH)
        elif self.branches is None:
            self._walk_documents(pattern)
        else:
            _scan(self.queryset, [pattern], self.limit, self.found)
            self.seen.update(self.found)

    def _walk_documents(self, pattern: str) -> None:
        """Every document newest first (the org-wide scope), in growing batches checked against
        the queryset."""
        test = "instr(hay, %s) > 0" if connection.vendor == "sqlite" else "strpos(hay, %s) > 0"
        before, batch = BIGGEST_ID, max(FIRST_BATCH, self.limit * 2)
        while not self.full:
            ids = fetch_ids(f"SELECT customer_id FROM search_document WHERE {test} AND customer_id < %s "
                         "ORDER BY customer_id DESC LIMIT %s", [pattern, before, batch])
            self._take(ids)
            if len(ids) < batch:
                break
            before, batch = ids[-1], min(batch * 4, MAX_BATCH)

    # --- exact and prefix: the key table -------------------------------------------------------
    def keys(self, low: str, high: str, pattern: str, exact: str | None = None) -> None:
        """Keys in [low, high] (exact: low == high) or [low, high) (prefix). With `exact` (the
        exact group's pattern, for a prefix range starting at the query), the range is read once
        and its keys equal to `low` are taken first: both groups in one query per branch."""
        where = "key = %s" if low == high else "key >= %s AND key < %s"
        params = ([low] if exact else []) + ([low] if low == high else [low, high])
        select = "customer_id, CASE WHEN key = %s THEN 1 ELSE 0 END" if exact else "customer_id, 0"
        rows: list[tuple] = []
        if self.branches is None:
            rows = fetch_rows(f"SELECT {select} FROM search_key WHERE {where} LIMIT %s", [*params, CAP + 1])
            dense = len(rows) > CAP
        else:
            dense = False
            if self.branches.owner:
                sql = f"SELECT {select}, NULL FROM search_key WHERE owner_id = %s AND {where} LIMIT %s"
                args = [*params[:1 if exact else 0], self.branches.owner, *params[1 if exact else 0:], CAP + 1]
                with_links = self.branches.linked_by and "_linked" not in self.__dict__
                if with_links:  # the links' documents in the same round trip (see _linked)
                    sql = f"SELECT * FROM ({sql}) AS k UNION ALL SELECT * FROM ({self._linked_sql} LIMIT %s) AS l"
                    args += [self.branches.linked_by, LINKED_READ + 1]
                found = fetch_rows(sql, args)
                if with_links:
                    linked = [(pk, hay) for pk, flag, hay in found if flag == _LINK_ROW]
                    self.__dict__["_linked"] = linked if len(linked) <= LINKED_READ else None
                    found = [row for row in found if row[1] != _LINK_ROW]
                dense, rows = len(found) > CAP, rows + [row[:2] for row in found]
            if self.branches.teams and not dense:
                found = fetch_rows(f"SELECT {select} FROM search_key WHERE team_id IN ({_in(self.branches.teams)}) "
                              f"AND {where} LIMIT %s", [*params, CAP + 1])
                dense, rows = len(found) > CAP, rows + found
            if self.branches.linked_by and not dense:
                if exact:
                    rows += [(pk, 1) for pk in self._linked_documents(exact)]
                rows += [(pk, 0) for pk in self._linked_documents(pattern)]
        if dense:
            if exact:  # the exact group alone first (it may be small), then the walk
                self.keys(low, low, exact)
                if self.full:
                    return
            self._walk(pattern)
            return
        if exact:
            self._take(sorted({pk for pk, is_exact in rows if is_exact}, reverse=True))
            if self.full:
                return
        self._take(sorted({pk for pk, _ in rows}, reverse=True))

    # The documents of the user's collaborator links (not joined to the customers: on PostgreSQL
    # that join's planning alone cost 0.4 ms; the ids found are checked like any candidate).
    _linked_sql = (f"SELECT d.customer_id, {_LINK_ROW}, d.hay FROM search_document d JOIN customers_customercollaborator l "
                   "ON l.customer_id = d.customer_id WHERE l.user_id = %s")

    @cached_property
    def _linked(self) -> list[tuple[int, str]] | None:
        """The documents of the user's collaborator links, read once for the three patterns; None
        when there are more than LINKED_READ (each pattern is then asked of the database)."""
        rows = fetch_rows(f"{self._linked_sql} LIMIT %s", [self.branches.linked_by, LINKED_READ + 1])
        return [(pk, hay) for pk, _flag, hay in rows] if len(rows) <= LINKED_READ else None

    def _linked_documents(self, pattern: str) -> list[int]:
        """The user's linked customers whose document contains `pattern` (not checked yet)."""
        if self._linked is not None:
            return [pk for pk, hay in self._linked if pattern in hay]  # what instr/strpos test
        test = "instr(d.hay, %s) > 0" if connection.vendor == "sqlite" else "strpos(d.hay, %s) > 0"
        return fetch_ids(f"SELECT customer_id FROM ({self._linked_sql} AND {test}) AS linked",
                      [self.branches.linked_by, pattern])

    # --- substrings: the trigram index -----------------------------------------------------------
    def substring(self, pattern: str) -> None:
        tokens = self.branches.tokens() if self.branches is not None else None
        # PostgreSQL's GIN index reads a common trigram's whole posting list; a rep's or a team's
        # newest customers hold a page of such a pattern (the rest, if any, from the index).
        walk_by = self._walkable_branch() if tokens else None
        dense = bool(tokens) and scope_share(tokens) >= DENSE_SCOPE
        if walk_by is not None and owned_walk_pays(pattern, self.limit):
            # A dense scope's rest (rare after the window) is searched like everyone's, below.
            self._walk_index(pattern, tokens, walk_by=walk_by, then_index=not dense)
            if self.full or not dense:
                return
        # A scope holding a good share of all documents (a big team on PostgreSQL, by the index's
        # statistics) is searched like everyone's, each candidate checked: GIN would read the
        # team token's posting list, longer than the pattern's.
        if tokens is not None and not dense:
            # Any scope's newest documents hold a page of a pattern common everywhere; FTS5 walks
            # the posting lists newest first.
            if connection.vendor != "sqlite" and common_everywhere(pattern):
                self._walk(pattern)
            else:
                self._walk_index(pattern, tokens)
            return
        if connection.vendor == "sqlite":
            # Everyone's: FTS5 walks its posting lists newest first and stops after about a page.
            self._walk_index(pattern)
            return
        # PostgreSQL's GIN index builds its whole bitmap for every query, LIMIT or not: ask it
        # once for all candidates when the statistics say they are few, else walk newest first.
        candidates = trigram_candidates(pattern, CAP + 1)
        if candidates is None or len(candidates) > CAP:
            self._walk(pattern)
        else:
            self._take(sorted(set(candidates), reverse=True))

    def _scope(self) -> set[int] | None:
        """The ids of a rep's scope (owned, live; linked) read from the owner index and the links
        — a few thousand, about a millisecond — or None: no branches, or a team lead's (tens of
        thousands; checked against the queryset instead). Live owned ∪ linked is the policy's scope
        for a user who leads no team; verified() checks the final page against the queryset."""
        if self._scope_ids is False:
            self._scope_ids = None
            if self.branches is not None and not self.branches.teams:
                parts = []
                if self.branches.owner:
                    # SQLite picks the plain foreign-key index for owner_id = ? and reads every row
                    # for deleted_at; the partial index of live customers answers from the index.
                    hint = "INDEXED BY cust_owner " if connection.vendor == "sqlite" else ""
                    owned = f"SELECT id FROM customers_customer {hint}WHERE owner_id = {int(self.branches.owner)} " \
                            "AND deleted_at IS NULL"
                    # A rep given a big book: step over SMALL_SCOPE index entries (~1 ms) rather than
                    # read them into a set only to drop it (5–7 ms for every search they make).
                    if fetch_ids(f"{owned} LIMIT 1 OFFSET {SMALL_SCOPE}", []):
                        return None
                    parts.append(owned)
                if self.branches.linked_by:
                    parts.append("SELECT l.customer_id FROM customers_customercollaborator l JOIN customers_customer c "
                                 f"ON c.id = l.customer_id WHERE l.user_id = {int(self.branches.linked_by)} "
                                 "AND c.deleted_at IS NULL")
                ids = fetch_ids(" UNION ALL ".join(parts) + " LIMIT %s", [SMALL_SCOPE + 1])
                self._scope_ids = set(ids) if len(ids) <= SMALL_SCOPE else None
        return self._scope_ids

    def _walkable_branch(self) -> tuple[str, int] | None:
        """The one index-ordered branch of the scope that a walk can read newest first
        (PostgreSQL): a rep's own customers (owner, -id), or a lead's one team (team, -id)."""
        if connection.vendor == "sqlite":
            return None
        if self.branches.owner and not self.branches.teams:
            return ("owner_id", self.branches.owner)
        if len(self.branches.teams) == 1 and not self.branches.owner:
            return ("team_id", self.branches.teams[0])
        return None

    def _walk_index(self, pattern: str, tokens: list[str] | None = None, *,
                    walk_by: tuple[str, int] | None = None, then_index: bool = True) -> None:
        """The trigram index newest first, in growing batches: every document, or (with `tokens`)
        those of the owned and team branches, the index intersecting its posting lists with
        theirs. A collaborator's linked documents (few) are read once and merged in id order.
        `walk_by` (column, value): that branch's customers newest first, each document tested (a
        pattern common enough that a page is found after a few dozen), then (`then_index`) the
        index below them."""
        linked = sorted(self._linked_documents(pattern), reverse=True) \
            if tokens is not None and self.branches.linked_by else []
        # The scope's own documents (SQLite): the owner's and teams' terms in search_own, lists of
        # their own documents only, instead of intersecting their tokens with everyone's trigrams.
        own = tokens if tokens and connection.vendor == "sqlite" else None
        before, batch = BIGGEST_ID, max(FIRST_BATCH, self.limit * 2)
        if own is not None:  # the scope's own documents: all in scope unless deleted since, so little over-fetch
            batch = self.limit - len(self.found) + 8
        while walk_by is not None and not self.full:  # the newest OWNED_WINDOW; the index for the rest
            need = self.limit - len(self.found)
            ids = _owned_matches(walk_by, pattern, before, OWNED_WINDOW, need, self.access.scope_sql("c"))
            # Fewer than asked: the window was read to its end (or the book's).
            floor = ids[-1] if len(ids) == need else _owned_floor(walk_by, before, OWNED_WINDOW)
            self._take(sorted(set(ids).union(pk for pk in linked if floor < pk < before), reverse=True),
                       checked=set(ids))
            if floor == 0:  # the whole book was read
                return
            before, walk_by = floor, walk_by if len(ids) == need else None
        if not then_index:
            return
        while not self.full:
            if own is not None:
                ids = own_newest_first(pattern, own, before, batch, self.access.scope_sql("c"))
            else:  # tokens == []: links only, nothing to ask the index
                ids = [] if tokens == [] else index_newest_first(pattern, before, batch, tokens)
            floor = ids[-1] if len(ids) == batch else 0  # below it, the index has not answered yet
            # The own index's documents come checked by the policy's condition.
            self._take(sorted(set(ids).union(pk for pk in linked if floor < pk < before), reverse=True),
                       checked=set(ids) if own is not None else None)
            if len(ids) < batch:
                break
            before, batch = ids[-1], min(batch * 4, MAX_BATCH)


def owned_walk_pays(pattern: str, limit: int) -> bool:
    """Whether a rep's (or a lead's team's) newest customers, each document tested, should be read
    before the index (PostgreSQL): the pattern is in a few percent of all documents, so their newest
    OWNED_WINDOW hold a page, where GIN would read the pattern's whole posting list (科技: 100 k
    entries, 1.6 ms at a million)."""
    return pattern_share(pattern) * OWNED_WINDOW >= 2 * limit


def _branch_sql(branch: tuple[str, int], scope: str = "") -> str:
    """A branch's live customers below an id, newest first ((owner|team, -id) index)."""
    column = {"owner_id": "owner_id", "team_id": "team_id"}[branch[0]]
    return (f"SELECT c.id FROM customers_customer c WHERE c.{column} = %s AND c.deleted_at IS NULL AND c.id < %s "
            f"{'AND ' + scope + ' ' if scope else ''}ORDER BY c.id DESC")


def _owned_matches(branch: tuple[str, int], pattern: str, before: int, window: int, count: int,
                   scope: str) -> list[int]:
    """Up to `count` of the branch's newest `window` live customers below `before` whose document
    contains `pattern` and which pass `scope` (the policy's condition on customers `c`), newest
    first (the branch's (column, -id) index walked, each document tested)."""
    test = "instr(d.hay, %s) > 0" if connection.vendor == "sqlite" else "strpos(d.hay, %s) > 0"
    return fetch_ids(f"SELECT w.id FROM ({_branch_sql(branch, scope)} LIMIT %s) w JOIN search_document d "
                  f"ON d.customer_id = w.id WHERE {test} ORDER BY w.id DESC LIMIT %s",
                  [branch[1], before, window, pattern, count])


def _owned_floor(branch: tuple[str, int], before: int, window: int) -> int:
    """The lowest id of the branch's newest `window` live customers below `before`; 0 when fewer."""
    rows = fetch_ids(f"{_branch_sql(branch)} LIMIT 1 OFFSET %s", [branch[1], before, window - 1])
    return rows[0] if rows else 0


def _documents_containing(ids: list[int], pattern: str) -> list[int]:
    if not ids:
        return []
    test = "instr(hay, %s) > 0" if connection.vendor == "sqlite" else "strpos(hay, %s) > 0"
    return fetch_ids(f"SELECT customer_id FROM search_document WHERE customer_id IN ({_in(ids)}) AND {test}", [pattern])
