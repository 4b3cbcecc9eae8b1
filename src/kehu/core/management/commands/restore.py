"""`kehu restore PATH [--yes]`: replace the whole database with a backup made by `kehu backup`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.core.management import dbcopy


class Command(BaseCommand):
    help = _(
        "Restore a backup made by `kehu backup`, replacing every row in the database "
        "(SQLite: online backup API; PostgreSQL: pg_restore --clean --if-exists --no-owner)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("The backup file."))
        parser.add_argument("--yes", action="store_true", help=_("Do not ask for confirmation."))

    def handle(self, *args, **options):
        source = Path(options["path"]).expanduser().resolve()
        if not source.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": source})
        name = dbcopy.database()["NAME"]
        if not options["yes"]:
            self.confirm(name)
        dbcopy.restore_backup(source)
        self.stdout.write(_("Restored %(path)s into database %(name)s.") % {"path": source, "name": name})

    def confirm(self, name: str) -> None:
        # A script or cron job cannot answer, so it must say --yes rather than hang or guess.
        if not sys.stdin.isatty():
            raise CommandError(_(
                "Restoring replaces every row in database %(name)s. Standard input is not a terminal, "
                "so nobody can confirm: add --yes to restore anyway."
            ) % {"name": name})
        prompt = _("Restoring replaces every row in database %(name)s. Type 'yes' to go on: ") % {"name": name}
        if input(prompt).strip().lower() != "yes":
            raise CommandError(_("Restore cancelled; nothing was changed."))
