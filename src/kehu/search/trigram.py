"""Asking the trigram index (FTS5 on SQLite, the GIN index on PostgreSQL) for the documents that
contain a pattern, with as few posting lists as will do: the rarest trigrams of the pattern, the
whole pattern re-checked with instr/strpos. Used by kehu.search.engine for the substring group."""

from __future__ import annotations

from django.db import connection

from kehu.search.ddl import PG_INDEXED, own_term, trigrams


def fetch_ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _fts_phrase(pattern: str) -> str:
    return '"' + pattern.replace('"', '""') + '"'


# SQLite: FTS5 evaluates a phrase by reading the posting list of every trigram in it; a full
# company name has twenty, most of them common (有限公, |su), and cost 60–80 ms at a million
# documents. Only the rarest few are asked (instr re-checks the whole pattern), judged by their
# frequency in a sample of the newest documents (FTS5 keeps no cheap per-term statistics).
SAMPLE = 5000
ESTIMATE_SAMPLE = 1000  # documents a pattern is tested on for common_everywhere(): ~0.1 ms
_sqlite_frequencies_cache: tuple[float, dict[str, float], float, list[str]] | None = None


def _sqlite_frequencies() -> dict[str, float]:
    """Share of documents holding each trigram, in the newest SAMPLE documents, read hourly."""
    import time
    from collections import Counter

    global _sqlite_frequencies_cache
    if _sqlite_frequencies_cache is None or time.monotonic() - _sqlite_frequencies_cache[0] > 3600:
        counts: Counter = Counter()
        rows = fetch_rows("SELECT hay FROM search_document ORDER BY customer_id DESC LIMIT %s", [SAMPLE])
        for (hay,) in rows:
            counts.update({hay[i:i + 3] for i in range(len(hay) - 2)})
        total = fetch_rows("SELECT count(*) FROM search_document", [])[0][0] if len(rows) < SAMPLE else None
        if total is None:  # big: the highest id is close enough and costs no scan
            total = fetch_rows("SELECT max(customer_id) FROM search_document", [])[0][0]
        _sqlite_frequencies_cache = (time.monotonic(), {g: n / max(len(rows), 1) for g, n in counts.items()},
                                     float(total or 0), [hay for (hay,) in rows])
    return _sqlite_frequencies_cache[1]


def pattern_share(pattern: str) -> float:
    """About what share of all documents contain `pattern` (PostgreSQL: its rarest trigram's
    frequency from the index statistics; SQLite: the sample of the newest documents)."""
    if connection.vendor == "sqlite":
        _sqlite_frequencies()
        sample = _sqlite_frequencies_cache[3][:ESTIMATE_SAMPLE]
        return sum(pattern in hay for hay in sample) / len(sample) if sample else 0.0
    with connection.cursor() as cursor:
        return _rarest_trigrams(cursor, pattern)[1]


def common_everywhere(pattern: str) -> bool:
    """Whether `pattern` is in a good share (DENSE) of all documents: then any scope's own
    documents, newest first, hold a page of matches after a few hundred, and the index would read
    posting lists of most of the table to say the same."""
    return pattern_share(pattern) >= DENSE


def scope_share(tokens: list[str]) -> float:
    """About what share of all documents these scope tokens hold, from PostgreSQL's statistics
    of the index expression (0 when a token is not among the common elements, and on SQLite)."""
    if connection.vendor == "sqlite":
        return 0.0
    with connection.cursor() as cursor:
        frequencies = _trigram_frequencies(cursor)
    return sum(frequencies.get(token, 0.0) for token in tokens)


def _fts_query(pattern: str) -> tuple[str, bool]:
    """The FTS5 query for `pattern`, and whether its rows need the instr re-check."""
    grams = trigrams(pattern)
    if len(grams) <= RAREST + 2:
        query, recheck = _fts_phrase(pattern), False
    else:
        frequencies = _sqlite_frequencies()
        ranked = sorted(grams, key=lambda gram: frequencies.get(gram, 0))
        chosen = ranked[:RAREST] + [gram for gram in ranked[RAREST:] if "|" in gram][:2]
        query, recheck = " AND ".join(_fts_phrase(gram) for gram in chosen), True
    return query, recheck


def _fts_ids(pattern: str, *, before: int | None, count: int) -> list[int]:
    match, recheck = _fts_query(pattern)
    order = " AND f.rowid < %s ORDER BY f.rowid DESC" if before is not None else ""
    if recheck:
        return fetch_ids("SELECT f.rowid FROM search_fts f JOIN search_document d ON d.customer_id = f.rowid "
                      f"WHERE f.search_fts MATCH %s AND instr(d.hay, %s) > 0{order} LIMIT %s",
                      [match, pattern, *([before] if before is not None else []), count])
    return fetch_ids(f"SELECT f.rowid FROM search_fts f WHERE f.search_fts MATCH %s{order} LIMIT %s",
                  [match, *([before] if before is not None else []), count])


def own_newest_first(pattern: str, tokens: list[str], before: int, count: int, scope: str) -> list[int]:
    """Ids of the documents of these scope tokens (an owner's, teams') that contain `pattern` and
    whose customer passes `scope` (the policy's condition on customers `c`), below `before`, newest
    first, from search_own (SQLite): the rarest few of the pattern's trigrams as each token's terms,
    instr re-checking the whole pattern."""
    grams = trigrams(pattern)
    if len(grams) > RAREST:
        frequencies = _sqlite_frequencies()
        grams = sorted(grams, key=lambda gram: frequencies.get(gram, 0))[:RAREST]
    match = " OR ".join("(" + " AND ".join(_fts_phrase(own_term(token, gram)) for gram in grams) + ")"
                        for token in tokens)
    return fetch_ids("SELECT o.rowid FROM search_own o JOIN search_document d ON d.customer_id = o.rowid "
                  "JOIN customers_customer c ON c.id = o.rowid "
                  f"WHERE o.search_own MATCH %s AND instr(d.hay, %s) > 0 AND {scope} AND o.rowid < %s "
                  "ORDER BY o.rowid DESC LIMIT %s", [match, pattern, before, count])


def _pg_contains(grams: list[str], scope: list[str] | None) -> tuple[str, list]:
    """The GIN condition: every trigram, and (when scoped) one of the scope tokens beside them —
    one index scan per token, each intersecting the posting lists inside the index."""
    if scope is None:
        return f"{PG_INDEXED} @> %s::text[]", [grams]
    return "(" + " OR ".join(f"{PG_INDEXED} @> %s::text[]" for _token in scope) + ")", [
        [*grams, token] for token in scope]


def fetch_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def trigram_candidates(pattern: str, count: int) -> list[int] | None:
    """Up to `count` ids of documents containing `pattern`, in no order; None when the index
    says the pattern is too common to ask it (PostgreSQL's statistics)."""
    if connection.vendor == "sqlite":
        return _fts_ids(pattern, before=None, count=count)
    with connection.cursor() as cursor:
        grams, frequency = _rarest_trigrams(cursor, pattern)
        documents, floor = _document_count(cursor), _floor(cursor)
    # GIN builds its whole bitmap before LIMIT applies: a trigram in 10 % of a million documents
    # costs seconds, so a pattern whose rarest trigram is in more than `count` documents is
    # treated as common (the caller walks newest first) without asking.
    # (Only a trigram the statistics list has a known frequency; the others are rarer than all
    # listed ones, often far rarer, and are asked of the index.)
    if frequency >= DENSE or (frequency > floor and frequency * documents > count):
        return None
    condition, params = _pg_contains(grams, None)
    return fetch_ids(f"SELECT customer_id FROM search_document WHERE {condition} AND strpos(hay, %s) > 0 LIMIT %s",
                  [*params, pattern, count])


def index_newest_first(pattern: str, before: int, count: int, scope: list[str] | None = None) -> list[int]:
    """Ids of documents containing `pattern` (on PostgreSQL, with `scope`: holding one of these
    scope tokens), below `before`, newest first. SQLite's scoped searches read search_own instead
    (own_newest_first); its trigram index holds the text alone."""
    if connection.vendor == "sqlite":
        if scope is not None:
            raise ValueError("SQLite: a scoped substring search reads search_own (own_newest_first)")
        return _fts_ids(pattern, before=before, count=count)
    with connection.cursor() as cursor:
        grams, frequency = _rarest_trigrams(cursor, pattern)
    if frequency >= DENSE and scope is None:
        # Every trigram is in a good share of all documents: walking newest first and testing
        # each finds `count` matches after a few hundred rows, where the GIN index would read
        # posting lists of most of the table.
        return fetch_ids("SELECT customer_id FROM search_document WHERE strpos(hay, %s) > 0 AND customer_id < %s "
                      "ORDER BY customer_id DESC LIMIT %s", [pattern, before, count])
    condition, params = _pg_contains(grams, scope)
    return fetch_ids(f"SELECT customer_id FROM search_document WHERE {condition} "
                  "AND strpos(hay, %s) > 0 AND customer_id < %s ORDER BY customer_id DESC LIMIT %s",
                  [*params, pattern, before, count])


# PostgreSQL: which trigrams are common, from the statistics ANALYZE keeps for the GIN index's
# expression (most_common_elems). The rarest few are enough for the index (strpos re-checks the
# whole pattern), and asking for common ones only makes GIN read long posting lists.
DENSE = 0.2
RAREST = 4
_frequencies: dict[str, float] | None = None
_frequencies_read_at = 0.0


_documents: tuple[float, float] | None = None


def _document_count(cursor) -> float:
    """PostgreSQL's estimate of the number of documents (pg_class, kept by ANALYZE), read hourly."""
    import time

    global _documents
    if _documents is None or time.monotonic() - _documents[0] > 3600:
        cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE relname = 'search_document'")
        row = cursor.fetchone()
        _documents = (time.monotonic(), float(row[0]) if row else 0.0)
    return _documents[1]


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


def _floor(cursor) -> float:
    frequencies = _trigram_frequencies(cursor)
    return min(frequencies.values(), default=0.0) / 2


def _rarest_trigrams(cursor, pattern: str) -> tuple[list[str], float]:
    """Up to RAREST of the pattern's trigrams, rarest first, and the frequency of the rarest."""
    frequencies = _trigram_frequencies(cursor)
    floor = min(frequencies.values(), default=0.0) / 2  # not listed: rarer than every listed one
    ranked = sorted(trigrams(pattern), key=lambda gram: frequencies.get(gram, floor))
    # Key boundaries ("|sh", "en|") are what make an exact or prefix pattern selective: keep them.
    chosen = ranked[:RAREST] + [gram for gram in ranked[RAREST:] if "|" in gram][:2]
    return chosen, frequencies.get(ranked[0], floor) if ranked else 0.0
