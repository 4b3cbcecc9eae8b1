"""`kehu search_rebuild`: recompute every customer's search document (triggers keep them right;
this is for repairs, e.g. after rows were written with the triggers switched off)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from kehu.search.ddl import rebuild


class Command(BaseCommand):
    help = _("Recompute the search index of every customer.")

    def handle(self, *args, **options):
        with transaction.atomic():
            rebuild(connection)
        self.stdout.write(_("Search index rebuilt."))
