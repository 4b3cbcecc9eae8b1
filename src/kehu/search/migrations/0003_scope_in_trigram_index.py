"""The owner's and team's scope tokens inside the trigram index (kehu.search.ddl: scope_text,
PG_INDEXED): the scope column on search_document, the FTS5 table with it as a second column
(SQLite), the GIN index over the text's and the scope's trigrams (PostgreSQL), and the trigger
that follows handovers, pool returns and team moves. A rep's or a team's substring search then
asks the index for its own documents instead of every match (BENCHMARKS.md, issue 5)."""

from django.db import migrations, models


def install(apps, schema_editor):
    from kehu.search import ddl

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        # The objects that change are dropped (the key table and its triggers stay): ensure()
        # below finds them missing and recreates them from kehu.search.ddl, re-indexing everything.
        if connection.vendor == "sqlite":
            for name in ("search_document_ai", "search_document_ad", "search_document_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_fts")
        else:
            cursor.execute("DROP INDEX IF EXISTS search_document_trgm")
            for trigger, table in (("search_customer_ai", "customers_customer"), ("search_customer_au", "customers_customer"),
                                   ("search_contact_trg", "customers_contact"), ("search_method_trg", "customers_contactmethod")):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS kehu_search_refresh(bigint)")
            for statement in ddl._pg_statements():
                if statement.startswith("CREATE OR REPLACE FUNCTION kehu_scope("):
                    cursor.execute(statement)
        # Fill the column while nothing re-indexes each row it writes.
        cursor.execute("UPDATE search_document SET scope = (SELECT kehu_scope(c.owner_id, c.team_id) "
                       "FROM customers_customer c WHERE c.id = search_document.customer_id)")
    ddl.ensure(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_document")


def uninstall(apps, schema_editor):
    from kehu.search import ddl

    ddl.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0002_search_keys"),
        ("customers", "0007_list_tie_and_region_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # A plain ADD COLUMN on both databases (Django would rebuild the table on SQLite, and
            # with it drop the key table's triggers on search_document).
            database_operations=[migrations.RunSQL(
                "ALTER TABLE search_document ADD COLUMN scope TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE search_document DROP COLUMN scope")],
            state_operations=[migrations.AddField(
                model_name="searchdocument", name="scope", field=models.TextField(default=""))],
        ),
        migrations.RunPython(install, uninstall),
    ]
