"""`kehu api_token USERNAME --name NAME [--days N]`: a personal API token, printed once (for
scripts, integrations and benchmarks; users create their own through the API or their profile)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.core import clock


class Command(BaseCommand):
    help = _("Create a personal API token for a user and print it (shown only once).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, **options):
        from kehu.accounts.models import User
        from kehu.integrations.tokens import token_create

        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(_("No active user named %(username)s.") % {"username": options["username"]})
        expires = clock.now() + dt.timedelta(days=options["days"]) if options["days"] else None
        _token, secret = token_create(user, name=options["name"], expires_at=expires)
        self.stdout.write(secret)
