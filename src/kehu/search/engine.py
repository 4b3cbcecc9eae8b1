"""How a search runs (the contract is in kehu.search's docstring).

Each customer has one search document "|key|key|…|" (kehu.search.ddl). A query q is folded the
same way, and three patterns rank the matches: "|q|" (a key equals q), "|q" (a key starts with
q), "q" (a key contains q). A pattern shorter than three characters is not used: the trigram
index cannot answer it, and using it only sometimes would make results depend on the plan.

Two plans give the same answer:
- scan: when the customers in scope are few (a rep's own, a narrow filter), walk them newest
  first and test their documents with instr/strpos;
- index: otherwise, walk the trigram index newest first (FTS5 on SQLite, a GIN index on
  PostgreSQL), in growing batches, keeping the candidates that are in scope.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.functions import StrIndex

from kehu.core.policy import access_for, customer_scope, visible_customers
from kehu.core.validators import normalise_text, phone_digits
from kehu.search.ddl import fold, trigrams

MAX_LIMIT = 200
MAX_QUERY = 100
# Below this many customers in scope, scanning them is cheaper than walking the index.
SCAN_THRESHOLD = 5000
FIRST_BATCH = 64
MAX_BATCH = 4096
BIGGEST_ID = 2**63 - 1
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
    """The ranked patterns: exact, prefix, substring — those long enough for the index."""
    candidates = [f"|{query}|", f"|{query}", query]
    return [p for p in candidates if len(p) >= 3]


def search_customer_ids(user, text, *, limit: int = 20, base: QuerySet | None = None) -> list[int]:
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = prepare(text)
    if not query:
        return []
    access = access_for(user)
    scope = customer_scope(access) if not access.is_system else None
    if base is None:
        queryset = visible_customers(access)
    else:
        queryset = base if scope is None else base.filter(scope)
        if not access.is_system and not access.active:
            queryset = queryset.none()
    narrow = base is not None or scope is not None
    if narrow and queryset.order_by().values("pk")[:SCAN_THRESHOLD].count() < SCAN_THRESHOLD:
        return _scan(queryset, patterns(query), limit)
    return _walk_index(queryset, patterns(query), limit)


def search_customers(user, text, *, limit: int = 20, base: QuerySet | None = None) -> list:
    from kehu.customers.models import Customer

    ids = search_customer_ids(user, text, limit=limit, base=base)
    rows = Customer.objects.filter(pk__in=ids).select_related("owner", "industry", "source_channel").in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def _scan(queryset: QuerySet, pats: list[str], limit: int) -> list[int]:
    found: list[int] = []
    for pattern in pats:
        need = limit - len(found)
        if need <= 0:
            break
        rows = (queryset.annotate(_hit=StrIndex("search_document__hay", Value(pattern)))
                .filter(_hit__gt=0).exclude(pk__in=found).order_by("-id").values_list("id", flat=True)[:need])
        found.extend(rows)
    return found


def _walk_index(queryset: QuerySet, pats: list[str], limit: int) -> list[int]:
    found: list[int] = []
    seen: set[int] = set()
    for pattern in pats:
        before, batch = BIGGEST_ID, max(FIRST_BATCH, limit * 2)
        while len(found) < limit:
            ids = _candidates(pattern, before, batch)
            if not ids:
                break
            in_scope = set(queryset.filter(pk__in=ids).values_list("id", flat=True))
            for pk in ids:
                if pk in in_scope and pk not in seen:
                    seen.add(pk)
                    found.append(pk)
                    if len(found) == limit:
                        break
            if len(ids) < batch:
                break
            before, batch = ids[-1], min(batch * 4, MAX_BATCH)
        if len(found) >= limit:
            break
    return found


def _candidates(pattern: str, before: int, count: int) -> list[int]:
    """Ids of documents containing `pattern`, below `before`, newest first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            phrase = '"' + pattern.replace('"', '""') + '"'
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid < %s ORDER BY rowid DESC LIMIT %s",
                [phrase, before, count],
            )
        else:
            grams, frequency = _rarest_trigrams(cursor, pattern)
            if frequency >= DENSE:
                # Every trigram is in a good share of all documents: walking newest first and
                # testing each finds `count` matches after a few hundred rows, where the GIN
                # index would read posting lists of most of the table.
                cursor.execute(
                    "SELECT customer_id FROM search_document WHERE strpos(hay, %s) > 0 AND customer_id < %s "
                    "ORDER BY customer_id DESC LIMIT %s", [pattern, before, count])
            else:
                cursor.execute(
                    "SELECT customer_id FROM search_document WHERE kehu_trigrams(hay) @> %s::text[] "
                    "AND strpos(hay, %s) > 0 AND customer_id < %s ORDER BY customer_id DESC LIMIT %s",
                    [grams, pattern, before, count],
                )
        return [row[0] for row in cursor.fetchall()]


# PostgreSQL: which trigrams are common, from the statistics ANALYZE keeps for the GIN index's
# expression (most_common_elems). The rarest few are enough for the index (strpos re-checks the
# whole pattern), and asking for common ones only makes GIN read long posting lists.
DENSE = 0.2
RAREST = 4
_frequencies: dict[str, float] | None = None
_frequencies_read_at = 0.0


def _trigram_frequencies(cursor) -> dict[str, float]:
    import time

    global _frequencies, _frequencies_read_at
    if _frequencies is None or time.monotonic() - _frequencies_read_at > 3600:
        cursor.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                       "WHERE tablename = 'search_document_trgm' LIMIT 1")
        row = cursor.fetchone()
        _frequencies = dict(zip(row[0], row[1])) if row and row[0] else {}
        _frequencies_read_at = time.monotonic()
    return _frequencies


def _rarest_trigrams(cursor, pattern: str) -> tuple[list[str], float]:
    """Up to RAREST of the pattern's trigrams, rarest first, and the frequency of the rarest."""
    frequencies = _trigram_frequencies(cursor)
    floor = min(frequencies.values(), default=0.0) / 2  # not listed: rarer than every listed one
    ranked = sorted(trigrams(pattern), key=lambda gram: frequencies.get(gram, floor))
    # Key boundaries ("|sh", "en|") are what make an exact or prefix pattern selective: keep them.
    chosen = ranked[:RAREST] + [gram for gram in ranked[RAREST:] if "|" in gram][:2]
    return chosen, frequencies.get(ranked[0], floor) if ranked else 0.0
