"""search_key: every key of every search document as its own row, in a B-tree, with the
customer's owner and team beside it.

Why (BENCHMARKS.md, issue 4): exact and prefix matches asked of the trigram index read the
posting lists of trigrams that most documents contain (`|zh`, `有限公`, `202`): a 拼音 prefix or a
customer number made the index return a large share of a million documents for the re-check to
reject. A B-tree over the keys answers "key = q" and "key starts with q" as one index range. The
owner and team columns put the scope into that range too: "key starts with q AND owner = ?" is
one range of (owner_id, key), so a rep's search reads only the rep's entries instead of walking
the global index and keeping one match in 185.

The rows are derived from the document (its "|"-separated keys), so the key table and the trigram
index can never disagree on what a customer's keys are: exact and prefix matches found here are
exactly the documents containing "|q|" or "|q". They are kept by triggers on search_document
(itself kept by triggers on customers, contacts and contact methods) and on the customer's
owner/team columns; on PostgreSQL a TRUNCATE of search_document empties it too.

Comparison is by code point on both databases (SQLite BINARY, PostgreSQL COLLATE "C"), so a
prefix range [q, q + U+10FFFF) means the same everywhere whatever the database locale.
"""

from __future__ import annotations

TOP = "\U0010ffff"  # above every character a folded key can hold: [q, q + TOP) is "starts with q"

TRIGGERS = {
    "sqlite": ["search_key_ai", "search_key_au", "search_key_ad", "search_key_scope"],
    "postgresql": ["search_key_trg", "search_key_scope", "search_key_truncate"],
}

_SQLITE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS search_key_owner ON search_key (owner_id, key) WHERE owner_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS search_key_team ON search_key (team_id, key) WHERE team_id IS NOT NULL",
]
_PG_INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS search_key_pk ON search_key (key, customer_id)",
    "CREATE INDEX IF NOT EXISTS search_key_owner ON search_key (owner_id, key, customer_id) WHERE owner_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS search_key_team ON search_key (team_id, key, customer_id) WHERE team_id IS NOT NULL",
]

_SQLITE_NEW_KEYS = (
    "INSERT OR IGNORE INTO search_key (key, customer_id, owner_id, team_id) "
    "SELECT j.value, NEW.customer_id, c.owner_id, c.team_id FROM json_each(kehu_keys(NEW.hay)) j "
    "LEFT JOIN customers_customer c ON c.id = NEW.customer_id;"
)
_SQLITE_OLD_KEYS = (
    "DELETE FROM search_key WHERE customer_id = OLD.customer_id "
    "AND key IN (SELECT value FROM json_each(kehu_keys(OLD.hay)));"
)


def _sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER search_key_ai AFTER INSERT ON search_document BEGIN {_SQLITE_NEW_KEYS} END",
        f"CREATE TRIGGER search_key_au AFTER UPDATE OF hay ON search_document BEGIN {_SQLITE_OLD_KEYS} "
        f"{_SQLITE_NEW_KEYS} END",
        f"CREATE TRIGGER search_key_ad AFTER DELETE ON search_document BEGIN {_SQLITE_OLD_KEYS} END",
        # A handover or a team move changes no key, only the scope columns beside them.
        "CREATE TRIGGER search_key_scope AFTER UPDATE OF owner_id, team_id ON customers_customer "
        "WHEN NEW.owner_id IS NOT OLD.owner_id OR NEW.team_id IS NOT OLD.team_id BEGIN "
        "UPDATE search_key SET owner_id = NEW.owner_id, team_id = NEW.team_id WHERE customer_id = NEW.id "
        "AND key IN (SELECT value FROM json_each(kehu_keys((SELECT hay FROM search_document WHERE customer_id = NEW.id)))); "
        "END",
    ]


_PG_KEYS_OF = "ARRAY(SELECT DISTINCT k COLLATE \"C\" FROM unnest(string_to_array({hay}, '|')) k WHERE k <> '')"


def _pg_statements() -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION kehu_search_key_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN DELETE FROM search_key WHERE key = ANY ("
        + _PG_KEYS_OF.format(hay="OLD.hay") + ") AND customer_id = OLD.customer_id; END IF; "
        "IF TG_OP <> 'DELETE' THEN INSERT INTO search_key (key, customer_id, owner_id, team_id) "
        "SELECT k, NEW.customer_id, c.owner_id, c.team_id FROM unnest(" + _PG_KEYS_OF.format(hay="NEW.hay")
        + ") k LEFT JOIN customers_customer c ON c.id = NEW.customer_id ON CONFLICT DO NOTHING; END IF; "
        "RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION kehu_search_key_scope_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE search_key SET owner_id = NEW.owner_id, team_id = NEW.team_id WHERE key = ANY ("
        + _PG_KEYS_OF.format(hay="(SELECT hay FROM search_document WHERE customer_id = NEW.id)")
        + ") AND customer_id = NEW.id; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION kehu_search_key_truncate_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "TRUNCATE search_key; RETURN NULL; END $$",
        "CREATE TRIGGER search_key_trg AFTER INSERT OR DELETE OR UPDATE OF hay ON search_document "
        "FOR EACH ROW EXECUTE FUNCTION kehu_search_key_trg()",
        "CREATE TRIGGER search_key_scope AFTER UPDATE OF owner_id, team_id ON customers_customer FOR EACH ROW "
        "WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.team_id IS DISTINCT FROM NEW.team_id) "
        "EXECUTE FUNCTION kehu_search_key_scope_trg()",
        "CREATE TRIGGER search_key_truncate AFTER TRUNCATE ON search_document "
        "FOR EACH STATEMENT EXECUTE FUNCTION kehu_search_key_truncate_trg()",
    ]


def _create_table(cursor, vendor: str) -> None:
    if vendor == "sqlite":
        cursor.execute("CREATE TABLE IF NOT EXISTS search_key (key TEXT NOT NULL, customer_id INTEGER NOT NULL, "
                       "owner_id INTEGER, team_id INTEGER, PRIMARY KEY (key, customer_id)) WITHOUT ROWID")
    else:
        cursor.execute("CREATE TABLE IF NOT EXISTS search_key (key text COLLATE \"C\" NOT NULL, "
                       "customer_id bigint NOT NULL, owner_id bigint, team_id bigint)")


def fill(connection) -> None:
    """Every key of every document, in one statement (first install, repair, after a bulk load).
    The secondary indexes are dropped during the fill and built once after it."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        _create_table(cursor, vendor)
        for name in ("search_key_owner", "search_key_team") + (("search_key_pk",) if vendor != "sqlite" else ()):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("DELETE FROM search_key")
        if vendor == "sqlite":
            # Sorted, so the WITHOUT ROWID B-tree is appended to rather than split at random.
            cursor.execute(
                "INSERT OR IGNORE INTO search_key (key, customer_id, owner_id, team_id) "
                "SELECT j.value, d.customer_id, c.owner_id, c.team_id FROM search_document d "
                "JOIN customers_customer c ON c.id = d.customer_id, json_each(kehu_keys(d.hay)) j ORDER BY 1, 2")
        else:
            cursor.execute(
                "INSERT INTO search_key (key, customer_id, owner_id, team_id) "
                "SELECT k, d.customer_id, c.owner_id, c.team_id FROM search_document d "
                "JOIN customers_customer c ON c.id = d.customer_id "
                "CROSS JOIN LATERAL unnest(" + _PG_KEYS_OF.format(hay="d.hay") + ") k")
        for statement in _SQLITE_INDEXES if vendor == "sqlite" else _PG_INDEXES:
            cursor.execute(statement)


def _sync_scope(connection) -> None:
    """Only the owner/team trigger was missing (SQLite drops a table's triggers when a migration
    rebuilds customers_customer): copy the scope columns where they differ, keys unchanged."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE search_key SET owner_id = c.owner_id, team_id = c.team_id FROM customers_customer c "
                "WHERE c.id = search_key.customer_id AND (c.owner_id IS NOT search_key.owner_id "
                "OR c.team_id IS NOT search_key.team_id)")
        else:
            cursor.execute(
                "UPDATE search_key k SET owner_id = c.owner_id, team_id = c.team_id FROM customers_customer c "
                "WHERE c.id = k.customer_id AND (c.owner_id IS DISTINCT FROM k.owner_id "
                "OR c.team_id IS DISTINCT FROM k.team_id)")


def install(connection, missing: list[str]) -> None:
    """Create the table, fill it (or, when only the scope trigger is missing, bring its scope
    columns up to date), and create the triggers that are missing."""
    if missing == ["search_key_scope"]:
        _sync_scope(connection)
    else:
        fill(connection)
    with connection.cursor() as cursor:
        statements = _sqlite_triggers() if connection.vendor == "sqlite" else _pg_statements()
        for statement in statements:
            name = statement.split()[2] if statement.startswith("CREATE TRIGGER") else None
            if name is None or name in missing:
                cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in TRIGGERS["sqlite"]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for trigger, table in (("search_key_trg", "search_document"), ("search_key_scope", "customers_customer"),
                                   ("search_key_truncate", "search_document")):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
