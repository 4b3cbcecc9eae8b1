"""The key table (exact and prefix matches by B-tree, with the owner and team beside each key) and
the NFKC fold (kehu.search.ddl, kehu.search.keytable). Documents are recomputed: those with
full-width text change, and their keys follow through the new triggers."""

from django.db import migrations


def install(apps, schema_editor):
    from kehu.search import ddl

    connection = schema_editor.connection
    if not ddl.has_scope_column(connection):
        return  # 0003 installs the key table with everything else
    ddl.ensure(connection)  # PostgreSQL: also the new kehu_fold(); SQLite's is registered per connection
    ddl.refresh_documents(connection)


def uninstall(apps, schema_editor):
    from kehu.search import keytable

    keytable.uninstall(schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS search_key")


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_initial"),
        ("customers", "0004_scoped_list_indexes"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
