"""`kehu backup [PATH]`: a consistent copy of the whole database, safe while the server runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.management import dbcopy


class Command(BaseCommand):
    help = _(
        "Back up the database: SQLite through its online backup API, PostgreSQL with pg_dump --format=custom. "
        "Default file: KEHU_DATA_DIR/backups/kehu-YYYYmmdd-HHMMSS.sqlite3 (or .dump)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help=_("File or existing folder to write the backup to."))

    def handle(self, *args, **options):
        target = dbcopy.backup_target(options["path"], timezone.localtime())
        dbcopy.write_backup(target)
        self.stdout.write(_("Backup written: %(path)s (%(size)s bytes)") % {
            "path": target, "size": f"{target.stat().st_size:,}",
        })
