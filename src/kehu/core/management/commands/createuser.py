"""`kehu createuser`: add an account from the shell, through the same service as the admin and API."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.core.errors import ValidationError


def field_errors_text(error: ValidationError) -> str:
    """One line per field, each naming the field, so a script's log says what to fix."""
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "\n".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )


class Command(BaseCommand):
    help = _("Create a user with a role; prints a generated password once when none is given.")

    def add_arguments(self, parser):
        from kehu.accounts.models import Role

        parser.add_argument("username")
        # Not argparse `choices`: the service checks the role, so the CLI error reads like the UI and API ones.
        parser.add_argument("--role", required=True, help=_("One of: %(roles)s.") % {"roles": ", ".join(Role.values)})
        parser.add_argument("--team", default=None, help=_("Name of an existing team."))
        parser.add_argument("--display-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--superuser", action="store_true", help=_("Full access to the Django admin."))
        parser.add_argument(
            "--password-stdin", action="store_true",
            help=_("Read the password from the first line of standard input instead of generating one."),
        )

    def handle(self, *args, **options):
        from kehu.accounts.services import generate_password, user_create

        # Generated here, not inside the service, because the service keeps only the hash.
        password = self.read_password() if options["password_stdin"] else generate_password()
        try:
            user = user_create(
                None,
                username=options["username"],
                password=password,
                role=options["role"],
                display_name=options["display_name"],
                email=options["email"],
                team=self.find_team(options["team"]),
                is_superuser=options["superuser"],
            )
        except ValidationError as exc:
            raise CommandError(_("The user was not created:") + "\n" + field_errors_text(exc)) from None
        self.report(user, password=None if options["password_stdin"] else password)

    def find_team(self, name: str | None):
        from kehu.accounts.models import Team

        if not name:
            return None
        team = Team.objects.filter(name=name).first()
        if team is None:
            raise CommandError("team: " + _("No team named %(name)s exists.") % {"name": name})
        return team

    def read_password(self) -> str:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("password: " + _("Standard input gave an empty password."))
        return password

    def report(self, user, *, password: str | None) -> None:
        self.stdout.write(_("Created user %(username)s (%(role)s).") % {
            "username": user.username, "role": user.get_role_display(),
        })
        if password is not None:
            self.stdout.write(_("Password (shown only this once): %(password)s") % {"password": password})
