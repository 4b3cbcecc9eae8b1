"""search_own (SQLite): every document's trigrams once more, as terms of its owner and of its team,
so a rep's or a lead's substring search reads posting lists of their own documents only
(kehu.search.ddl, "a scope's own trigrams"; BENCHMARKS.md, issue 5). PostgreSQL is unchanged: a
rep's or a one-team lead's newest customers are tested first for a common pattern, and the GIN
index intersects the scope's token with a rare pattern's trigrams (kehu.search.engine)."""

from django.db import migrations


def install(apps, schema_editor):
    from kehu.search import ddl

    ddl.ensure(schema_editor.connection)  # finds the search_own triggers missing: creates and fills


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
