from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kehu.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from kehu.search.ddl import register_sqlite_functions

        # The SQLite triggers call kehu_fold(); every connection Kehu opens must know it.
        connection_created.connect(register_sqlite_functions, dispatch_uid="kehu.search.fold")
        post_migrate.connect(_repair_after_migrate, sender=self, dispatch_uid="kehu.search.repair")
        from kehu.search import maintenance  # noqa: F401  (registers the sweep check)


def _repair_after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """A SQLite migration that rebuilds a customers table drops our triggers with it: put them back."""
    from django.db import connections

    from kehu.search.ddl import ensure

    connection = connections[using]
    if "search_document" in connection.introspection.table_names():
        ensure(connection)
