import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from kehu.search.ddl import ensure, has_scope_column

    if has_scope_column(schema_editor.connection):
        ensure(schema_editor.connection)


def uninstall(apps, schema_editor):
    from kehu.search.ddl import uninstall as drop

    drop(schema_editor.connection)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("customer", models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name="search_document", serialize=False, to="customers.customer")),
                ("hay", models.TextField()),
            ],
            options={
                "db_table": "search_document",
                "managed": True,
            },
        ),
        # Triggers, the FTS5 table (SQLite) or trigram GIN index (PostgreSQL): kehu.search.ddl.
        migrations.RunPython(install, uninstall),
    ]
