"""Database objects behind search: the folding rule, triggers and the trigram index, per vendor.

Why triggers (and not calls from the services): the demo generator and future importers write
customers, contacts and phones in bulk (COPY / executemany) without going through the services;
triggers keep the search document right for every write path, in the same transaction, at no
cost to code that forgets. Bulk loads pay a little per row (one document refresh per inserted
contact or phone); `kehu search_rebuild` recomputes everything set-based when needed.

The same folding is applied to stored keys and to the query, identically on both databases:
- Unicode NFKC first (Python's unicodedata, PostgreSQL's normalize()): the query is typed through
  an IME and normalised (full-width "（" becomes "("), while names loaded in bulk keep what was
  typed; folding both sides the same way makes 嘉正电子科技（烟台）有限公司 findable by its name;
- ASCII letters lower-cased (nothing else: SQLite's lower() and PostgreSQL's locale-dependent
  lower() would disagree on other scripts);
- "|" (the key separator) and MARK removed from the text;
- every CJK ideograph followed by MARK, so a two-character Chinese query ("恒力" → 4 characters)
  reaches the trigram index, which needs at least three characters. A substring of the folded
  text is exactly a folded substring of the original (MARK only ever follows an ideograph).

SQLite: the search_document table with an external-content FTS5 table (trigram tokenizer)
over it. PostgreSQL: a GIN index on kehu_trigrams(hay), the same raw-character trigrams FTS5
uses. pg_trgm was the other candidate; it was not used because it splits text into "words" by
the database locale's idea of alphanumerics (Chinese is not alphanumeric under the C locale, and
MARK is never), which makes the index useless for Chinese on some installations. Our own trigram
function behaves the same under every locale and needs no extension.

Migration 0001 and every later `migrate` (post_migrate, see ensure()) create what is missing; a
change to these objects needs a new migration that drops them (uninstall) and calls ensure().
"""

from __future__ import annotations

import json
import re
import string
import unicodedata

MARK = "\ue000"  # a private-use character: never in real data
_FOLD_TABLE = {ord(c): ord(c.lower()) for c in string.ascii_uppercase} | {ord("|"): None, ord(MARK): None}
_CJK = re.compile("([\u3400-\u4dbf\u4e00-\u9fff])")


def fold(text) -> str:
    if not text:
        return ""
    return _CJK.sub("\\1" + MARK, unicodedata.normalize("NFKC", str(text)).translate(_FOLD_TABLE))


# --- scope tokens: the owner and team of a document, inside the trigram index --------------------
# Each is exactly one trigram — a marker and the id in two base-65534 digits, all from the
# private-use planes — so FTS5's trigram tokenizer and kehu_trigrams() both index it as one term,
# and "contains the pattern AND belongs to owner 7" is one index query: the index intersects the
# posting lists instead of returning every match for the caller to check against the scope.
# (The junk trigrams spanning two tokens start with a digit, never with a marker.)
SCOPE_OWNER, SCOPE_TEAM = "\U000f0000", "\U000f0001"
_DIGIT, _BASE = 0x100000, 0xFFFE


def scope_token(marker: str, pk: int) -> str:
    high, low = divmod(int(pk), _BASE)
    if high >= _BASE:
        raise ValueError(f"id {pk} is beyond what a scope token holds")
    return marker + chr(_DIGIT + high) + chr(_DIGIT + low)


def scope_text(owner_id, team_id) -> str:
    """The search document's scope column: the owner's token, then the team's ("" for neither)."""
    return (scope_token(SCOPE_OWNER, owner_id) if owner_id is not None else "") + (
        scope_token(SCOPE_TEAM, team_id) if team_id is not None else "")


# --- a scope's own trigrams (SQLite) --------------------------------------------------------------
# FTS5 intersects "contains q" with an owner's or a team's token by seeking through the pattern's
# posting lists, which for a common trigram span a good part of the table: ~1 ms for a rep's 3.5 k
# documents at a million, against 0.05 ms for everyone's newest matches. search_own holds every
# document's trigrams once more as terms of its owner and of its team (each trigram prefixed with
# the scope token), so a rep's or a lead's substring search reads posting lists of their own
# documents only. Contentless, rowids only (detail=none): the token + trigram is the term, instr()
# re-checks the pattern. The `ascii` tokenizer splits at ASCII punctuation and spaces, so those
# characters of a trigram are written as private-use characters (_OWN_ESCAPE + code) to keep each
# term whole.
_OWN_ESCAPE = 0xE100
_OWN_TABLE = {c: _OWN_ESCAPE + c for c in range(128) if not chr(c).isalnum()}


def own_term(scope_token: str, gram: str) -> str:
    return scope_token + gram.translate(_OWN_TABLE)


def own_grams(hay, scope) -> str:
    """The search_own text of a document: its trigrams as terms of each token of its scope (the
    owner's, the team's; "" for neither)."""
    if not hay or not scope:
        return ""
    grams = trigrams(hay)
    return " ".join(own_term(scope[at:at + 3], gram) for at in range(0, len(scope), 3) for gram in grams)


def keys_of(hay) -> list[str]:
    """The distinct keys of a document "|key|key|…|" (the rows of search_key)."""
    return sorted({key for key in (hay or "").split("|") if key})


def _keys_json(hay) -> str:
    return json.dumps(keys_of(hay), ensure_ascii=False)


def trigrams(text: str) -> list[str]:
    return sorted({text[i:i + 3] for i in range(len(text) - 2)})


def register_sqlite_functions(sender=None, connection=None, **kwargs) -> None:
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function("kehu_fold", 1, fold, deterministic=True)
        # SQLite triggers cannot use WITH, so splitting a document into its keys is a JSON array
        # for json_each().
        connection.connection.create_function("kehu_keys", 1, _keys_json, deterministic=True)
        connection.connection.create_function("kehu_scope", 2, scope_text, deterministic=True)
        connection.connection.create_function("kehu_own_grams", 2, own_grams, deterministic=True)


# --- the document expression (identical shape on both databases) ------------------------------

def _hay_sql(vendor: str) -> str:
    agg = "group_concat({expr}, '|')" if vendor == "sqlite" else "string_agg({expr}, '|')"
    contacts = agg.format(expr="kehu_fold(k.name) || '|' || kehu_fold(k.name_pinyin) || '|' || kehu_fold(k.name_initials)")
    methods = agg.format(expr="CASE WHEN m.kind = 'phone' THEN kehu_fold(m.digits) ELSE kehu_fold(m.value) END")
    return (
        "'|' || kehu_fold(c.name) || '|' || kehu_fold(c.short_name) || '|' || kehu_fold(c.name_pinyin)"
        " || '|' || kehu_fold(c.name_initials) || '|' || kehu_fold(c.number) || '|' || kehu_fold(c.credit_code)"
        f" || '|' || coalesce((SELECT {contacts} FROM customers_contact k WHERE k.customer_id = c.id), '')"
        f" || '|' || coalesce((SELECT {methods} FROM customers_contactmethod m WHERE m.customer_id = c.id), '')"
        " || '|'"
    )


def _refresh_sql(vendor: str, customer_id: str) -> str:
    """Upsert the document of one customer (or of all when customer_id is empty)."""
    where = f"WHERE c.id = {customer_id}" if customer_id else "WHERE true"
    return (
        f"INSERT INTO search_document (customer_id, hay, scope) SELECT c.id, {_hay_sql(vendor)}, "
        "kehu_scope(c.owner_id, c.team_id) "
        f"FROM customers_customer c {where} "
        "ON CONFLICT (customer_id) DO UPDATE SET hay = excluded.hay "
        "WHERE search_document.hay IS DISTINCT FROM excluded.hay"
    ).replace("IS DISTINCT FROM", "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM")


# What the PostgreSQL GIN index holds per document: the trigrams of its text and its scope tokens.
# Queries must use this very expression for the planner to use the index.
PG_INDEXED = "(kehu_trigrams(hay) || kehu_trigrams(scope))"

TRIGGERS = {
    "sqlite": ["search_document_ai", "search_document_ad", "search_document_au", "search_customer_ai",
               "search_customer_au", "search_customer_ad", "search_customers_contact_ai", "search_customers_contact_au",
               "search_customers_contact_ad", "search_customers_contactmethod_ai", "search_customers_contactmethod_au",
               "search_customers_contactmethod_ad", "search_scope", "search_own_ai", "search_own_ad", "search_own_au"],
    "postgresql": ["search_customer_ai", "search_customer_au", "search_contact_trg", "search_method_trg",
                   "search_scope"],
}
# A handover, a return to the pool or a team move changes the document's scope, not its text.
_SCOPE_UPDATE = ("UPDATE search_document SET scope = kehu_scope(NEW.owner_id, NEW.team_id) "
                 "WHERE customer_id = NEW.id")
CUSTOMER_COLUMNS = "name, short_name, name_pinyin, name_initials, number, credit_code"
CONTACT_COLUMNS = "customer_id, name, name_pinyin, name_initials"
METHOD_COLUMNS = "customer_id, kind, value, digits"


def _sqlite_statements() -> list[str]:
    refresh_new = _refresh_sql("sqlite", "NEW.customer_id") + ";"
    refresh_old = _refresh_sql("sqlite", "OLD.customer_id") + ";"
    out = [
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(hay, content='search_document', "
        "content_rowid='customer_id', tokenize='trigram case_sensitive 1')",
        "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        "INSERT INTO search_fts(rowid, hay) VALUES (NEW.customer_id, NEW.hay); END",
        "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, hay) VALUES ('delete', OLD.customer_id, OLD.hay); END",
        "CREATE TRIGGER search_document_au AFTER UPDATE OF hay ON search_document "
        "WHEN NEW.hay IS NOT OLD.hay BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, hay) VALUES ('delete', OLD.customer_id, OLD.hay); "
        "INSERT INTO search_fts(rowid, hay) VALUES (NEW.customer_id, NEW.hay); END",
        "CREATE TRIGGER search_scope AFTER UPDATE OF owner_id, team_id ON customers_customer "
        f"WHEN NEW.owner_id IS NOT OLD.owner_id OR NEW.team_id IS NOT OLD.team_id BEGIN {_SCOPE_UPDATE}; END",
        # The owner and team terms (contentless: a delete names the terms it removes, computed again from
        # the old row by the same deterministic function).
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_own USING fts5(grams, content='', detail='none', "
        "columnsize=0, tokenize='ascii')",
        "CREATE TRIGGER search_own_ai AFTER INSERT ON search_document BEGIN "
        "INSERT INTO search_own(rowid, grams) VALUES (NEW.customer_id, kehu_own_grams(NEW.hay, NEW.scope)); END",
        "CREATE TRIGGER search_own_ad AFTER DELETE ON search_document BEGIN "
        "INSERT INTO search_own(search_own, rowid, grams) VALUES ('delete', OLD.customer_id, "
        "kehu_own_grams(OLD.hay, OLD.scope)); END",
        "CREATE TRIGGER search_own_au AFTER UPDATE OF hay, scope ON search_document "
        "WHEN NEW.hay IS NOT OLD.hay OR NEW.scope IS NOT OLD.scope BEGIN "
        "INSERT INTO search_own(search_own, rowid, grams) VALUES ('delete', OLD.customer_id, "
        "kehu_own_grams(OLD.hay, OLD.scope)); "
        "INSERT INTO search_own(rowid, grams) VALUES (NEW.customer_id, kehu_own_grams(NEW.hay, NEW.scope)); END",
        "CREATE TRIGGER search_customer_ai AFTER INSERT ON customers_customer BEGIN "
        + _refresh_sql("sqlite", "NEW.id") + "; END",
        f"CREATE TRIGGER search_customer_au AFTER UPDATE OF {CUSTOMER_COLUMNS} ON customers_customer BEGIN "
        + _refresh_sql("sqlite", "NEW.id") + "; END",
        "CREATE TRIGGER search_customer_ad AFTER DELETE ON customers_customer BEGIN "
        "DELETE FROM search_document WHERE customer_id = OLD.id; END",
    ]
    for table, columns in (("customers_contact", CONTACT_COLUMNS), ("customers_contactmethod", METHOD_COLUMNS)):
        out += [
            f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN {refresh_new} END",
            f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF {columns} ON {table} BEGIN {refresh_old} "
            f"{refresh_new} END",
            f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN {refresh_old} END",
        ]
    return out


def _pg_statements() -> list[str]:
    lower, upper = string.ascii_lowercase, string.ascii_uppercase
    cjk = "'([' || chr(13312) || '-' || chr(19903) || chr(19968) || '-' || chr(40959) || '])'"
    return [
        "CREATE OR REPLACE FUNCTION kehu_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
        f"SELECT regexp_replace(translate(normalize(coalesce(t, ''), NFKC), '{upper}|' || chr(57344), '{lower}'), {cjk}, "
        "'\\1' || chr(57344), 'g') $$",
        "CREATE OR REPLACE FUNCTION kehu_trigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 3)), '{}'::text[]) "
        "FROM generate_series(1, char_length(t) - 2) AS i $$",
        # scope_text(): marker, then the id in two base-65534 digits from U+100000.
        "CREATE OR REPLACE FUNCTION kehu_scope(owner bigint, team bigint) RETURNS text LANGUAGE sql IMMUTABLE "
        f"PARALLEL SAFE AS $$ SELECT CASE WHEN owner IS NULL THEN '' ELSE chr({ord(SCOPE_OWNER)}) "
        f"|| chr({_DIGIT} + (owner / {_BASE})::int) || chr({_DIGIT} + (owner % {_BASE})::int) END "
        f"|| CASE WHEN team IS NULL THEN '' ELSE chr({ord(SCOPE_TEAM)}) "
        f"|| chr({_DIGIT} + (team / {_BASE})::int) || chr({_DIGIT} + (team % {_BASE})::int) END $$",
        "CREATE OR REPLACE FUNCTION kehu_search_scope_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_SCOPE_UPDATE}; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION kehu_search_refresh(cid bigint) RETURNS void LANGUAGE sql AS $$ "
        + _refresh_sql("postgresql", "cid") + " $$",
        "CREATE OR REPLACE FUNCTION kehu_search_customer_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN DELETE FROM search_document WHERE customer_id = OLD.id; "
        "ELSE PERFORM kehu_search_refresh(NEW.id); END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION kehu_search_child_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM kehu_search_refresh(OLD.customer_id); END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN "
        "PERFORM kehu_search_refresh(NEW.customer_id); END IF; "
        "RETURN NULL; END $$",
        f"CREATE INDEX IF NOT EXISTS search_document_trgm ON search_document USING gin ({PG_INDEXED})",
        "CREATE TRIGGER search_scope AFTER UPDATE OF owner_id, team_id ON customers_customer FOR EACH ROW "
        "WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.team_id IS DISTINCT FROM NEW.team_id) "
        "EXECUTE FUNCTION kehu_search_scope_trg()",
        "CREATE TRIGGER search_customer_ai AFTER INSERT OR DELETE ON customers_customer "
        "FOR EACH ROW EXECUTE FUNCTION kehu_search_customer_trg()",
        f"CREATE TRIGGER search_customer_au AFTER UPDATE OF {CUSTOMER_COLUMNS} ON customers_customer "
        "FOR EACH ROW EXECUTE FUNCTION kehu_search_customer_trg()",
        "CREATE TRIGGER search_contact_trg AFTER INSERT OR DELETE OR UPDATE OF "
        f"{CONTACT_COLUMNS} ON customers_contact FOR EACH ROW EXECUTE FUNCTION kehu_search_child_trg()",
        "CREATE TRIGGER search_method_trg AFTER INSERT OR DELETE OR UPDATE OF "
        f"{METHOD_COLUMNS} ON customers_contactmethod FOR EACH ROW EXECUTE FUNCTION kehu_search_child_trg()",
    ]


def _missing_triggers(connection) -> list[str]:
    from kehu.search import keytable

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%%'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'search%%'")
        present = {row[0] for row in cursor.fetchall()}
    wanted = TRIGGERS[connection.vendor] + keytable.TRIGGERS[connection.vendor]
    return [name for name in wanted if name not in present]


def has_scope_column(connection) -> bool:
    """Whether search_document has the scope column (search migration 0003). The objects here
    need it; the earlier migrations leave their installation to 0003 on a database without it."""
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "search_document")
    return any(column.name == "scope" for column in columns)


def _has_fts(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'")
        return bool(cursor.fetchone()[0])


def ensure(connection) -> bool:
    """Create whatever of the functions, triggers, tables and indexes is missing, and index what
    the missing part would have kept. Run by the migrations and after every migrate: on SQLite, a
    migration that rebuilds a customers table drops its triggers with it. Returns True when it had
    to repair."""
    from kehu.search import keytable

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT kehu_fold(''), kehu_keys(''), kehu_own_grams('', '')")
        except Exception:  # a connection opened before the app was ready
            register_sqlite_functions(connection=connection)
    missing = _missing_triggers(connection)
    if not missing:
        return False
    own = [name for name in missing if name.startswith("search_own_")]
    documents = [name for name in missing if name in TRIGGERS[connection.vendor] and name not in own]
    keys = [name for name in missing if name in keytable.TRIGGERS[connection.vendor]]
    new_fts = connection.vendor == "sqlite" and not _has_fts(connection)
    statements = _sqlite_statements() if connection.vendor == "sqlite" else _pg_statements()
    with connection.cursor() as cursor:
        for statement in statements:
            name = statement.split()[2] if statement.startswith("CREATE TRIGGER") else None
            if name is None or name in missing:
                cursor.execute(statement)
    if documents:
        # Documents first, while the key triggers (if present) follow each change; when they are
        # missing too, the key table is filled from the finished documents below.
        refresh_documents(connection)
        if connection.vendor == "sqlite" and (new_fts or any(n.startswith("search_document_") for n in documents)):
            _rebuild_fts(connection)
    if own:  # after the documents: the owner terms are read from them
        _fill_own(connection)
    if keys:
        keytable.install(connection, keys)
    return True


def uninstall(connection) -> None:
    from kehu.search import keytable

    keytable.uninstall(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in [s.split()[2] for s in _sqlite_statements() if s.startswith("CREATE TRIGGER")]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_fts")
            cursor.execute("DROP TABLE IF EXISTS search_own")
        else:
            for trigger, table in (("search_customer_ai", "customers_customer"), ("search_customer_au", "customers_customer"),
                                   ("search_contact_trg", "customers_contact"), ("search_method_trg", "customers_contactmethod"),
                                   ("search_scope", "customers_customer")):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            for function in ("kehu_search_customer_trg()", "kehu_search_child_trg()", "kehu_search_refresh(bigint)",
                             "kehu_search_scope_trg()"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}")
            cursor.execute("DROP INDEX IF EXISTS search_document_trgm")


def refresh_documents(connection) -> None:
    """Recompute every document in one statement; only those that change are written (and so
    re-indexed by the FTS and key triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(_refresh_sql(connection.vendor, ""))
        # The scope of documents that existed already (the upsert above rewrites only their text).
        cursor.execute("UPDATE search_document SET scope = (SELECT kehu_scope(c.owner_id, c.team_id) FROM "
                       "customers_customer c WHERE c.id = search_document.customer_id) WHERE scope IS DISTINCT FROM "
                       "(SELECT kehu_scope(c.owner_id, c.team_id) FROM customers_customer c "
                       "WHERE c.id = search_document.customer_id)".replace(
                           "IS DISTINCT FROM", "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"))
        # NOT EXISTS, not NOT IN (subquery): PostgreSQL runs the latter as a scan of customers per
        # document once the ids outgrow work_mem (hours at a million).
        cursor.execute("DELETE FROM search_document WHERE NOT EXISTS "
                       "(SELECT 1 FROM customers_customer c WHERE c.id = search_document.customer_id)")


def _rebuild_fts(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def _fill_own(connection) -> None:
    """search_own from the documents, in one statement (a trigger was missing: start over)."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_own(search_own) VALUES ('delete-all')")
        cursor.execute("INSERT INTO search_own(rowid, grams) SELECT customer_id, kehu_own_grams(hay, scope) "
                       "FROM search_document")
        cursor.execute("INSERT INTO search_own(search_own) VALUES ('optimize')")


def rebuild(connection) -> None:
    """Recompute every document, the trigram index and the key table (after a restore from
    elsewhere, or to repair)."""
    from kehu.search import keytable

    refresh_documents(connection)
    if connection.vendor == "sqlite":
        _rebuild_fts(connection)
        _fill_own(connection)
    keytable.fill(connection)


def merge(connection, pages: int = 2000) -> None:
    """Some incremental merging of the FTS5 index (SQLite). Every write through the triggers adds a
    small segment; a query pays for each segment it must read (measured: 20× slower after 10,000
    trigger writes than after an optimize), so the sweep merges a little every run."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('merge', %s)", [pages])
            cursor.execute("INSERT INTO search_own(search_own, rank) VALUES ('merge', %s)", [pages])
