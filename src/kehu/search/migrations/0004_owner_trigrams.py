"""search_own (SQLite): every document's trigrams once more, as terms of its owner and of its team,
so a rep's or a lead's substring search reads posting lists of their own documents only; the
trigram index search_fts goes back to the text alone
(kehu.search.ddl, "a scope's own trigrams"; BENCHMARKS.md, issue 5). PostgreSQL is unchanged: a
rep's or a one-team lead's newest customers are tested first for a common pattern, and the GIN
index intersects the scope's token with a rare pattern's trigrams (kehu.search.engine)."""

from django.db import migrations


def install(apps, schema_editor):
    from kehu.search import ddl

    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        # search_fts loses its scope column (the scoped searches read search_own now): dropped with
        # its triggers, ensure() creates it again over the text alone and rebuilds it.
        with connection.cursor() as cursor:
            for name in ("search_document_ai", "search_document_ad", "search_document_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_fts")
    ddl.ensure(connection)  # finds the search_own triggers missing too: creates and fills it


def uninstall(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in ("search_own_ai", "search_own_ad", "search_own_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_own")


class Migration(migrations.Migration):

    dependencies = [("search", "0003_scope_in_trigram_index")]

    operations = [migrations.RunPython(install, uninstall)]
