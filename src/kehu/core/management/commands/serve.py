"""`kehu serve`: the production server (gunicorn + WhiteNoise), with an optional first-run set-up."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

DEFAULT_DEMO_CUSTOMERS = 200
DEFAULT_SWEEP_SECONDS = 60
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """WEB_CONCURRENCY when set (the usual PaaS convention), else gunicorn's 2×cores+1, capped.

    The cap keeps a big machine from starting dozens of workers that each hold
    database connections and memory for a CRM that does not need them.
    """
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            raise CommandError(_("WEB_CONCURRENCY must be a whole number; got %(value)r.") % {"value": raw}) from None
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two, so the box stays square in zh-Hans."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pending_migrations() -> list:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


class Command(BaseCommand):
    help = _("Serve Kehu with gunicorn (static files by WhiteNoise); --init and --demo set up a fresh database.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help=_("Address to listen on (default 127.0.0.1)."))
        parser.add_argument("--port", type=int, default=8000, help=_("Port to listen on (default 8000)."))
        parser.add_argument(
            "--workers", type=int, default=None,
            help=_("Worker processes (default: WEB_CONCURRENCY, else 2 × CPU cores + 1, at most 8)."),
        )
        parser.add_argument(
            "--init", action="store_true",
            help=_("Apply migrations; on an empty database also create the first manager 'admin' and print its password."),
        )
        parser.add_argument(
            "--demo", type=int, nargs="?", const=DEFAULT_DEMO_CUSTOMERS, default=None, metavar="N",
            help=_("Load N demo customers (default 200) when the database has no customers yet."),
        )
        parser.add_argument(
            "--sweep-every", type=int, default=DEFAULT_SWEEP_SECONDS, metavar="SECONDS",
            help=_("Run `kehu sweep` beside the server every SECONDS (default 60); 0 turns it off, "
                   "e.g. when cron runs it."),
        )

    def handle(self, *args, **options):
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError(_("--workers must be at least 1."))
        first_account = None
        if options["init"]:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
            first_account = self.create_first_manager()
        else:
            self.check_migrations(demo=options["demo"] is not None)
        if options["demo"] is not None:
            self.load_demo(options["demo"])
        call_command("collectstatic", interactive=False, verbosity=0)
        if first_account:
            # Printed last, so demo and static output cannot push it off the screen.
            self.print_first_account(*first_account, url=self.public_url(options["host"], options["port"]))
        self.start_sweeper(options["sweep_every"])
        self.exec_gunicorn(options["host"], options["port"], workers)

    def check_migrations(self, *, demo: bool) -> None:
        try:
            pending = pending_migrations()
        except DatabaseError as exc:
            # Serve anyway: /healthz reports the outage, and the server recovers when the database does.
            self.stderr.write(_("Warning: the database is not reachable (%(error)s).") % {"error": exc})
            return
        if pending and demo:
            raise CommandError(_("The database has unapplied migrations; add --init to apply them first."))
        if pending:
            self.stderr.write(_("Warning: the database has unapplied migrations; run `kehu migrate` or add --init."))

    def create_first_manager(self) -> tuple[str, str] | None:
        """The first manager on an empty database, as (username, password); None when users exist."""
        from kehu.accounts.models import Role, User
        from kehu.accounts.services import generate_password, user_create

        if User.objects.exists():
            return None
        password = generate_password()
        user_create(
            None, username="admin", password=password, role=Role.MANAGER,
            display_name=_("Administrator"), is_superuser=True,
        )
        return "admin", password

    def print_first_account(self, username: str, password: str, *, url: str) -> None:
        self.print_box([
            _("First manager account created. The password is shown only this once."),
            "",
            _("URL:      %(url)s") % {"url": url + "/"},
            _("Username: %(username)s") % {"username": username},
            _("Password: %(password)s") % {"password": password},
        ])

    def load_demo(self, count: int) -> None:
        from kehu.customers.models import Customer

        if count < 1:
            raise CommandError(_("--demo needs a number of customers of at least 1."))
        if Customer.objects.exists():
            self.stdout.write(_("The database already has customers; no demo data loaded."))
            return
        call_command("demo", customers=count, stdout=self.stdout, stderr=self.stderr)

    def start_sweeper(self, seconds: int) -> None:
        """Scheduled checks for a single machine, so reminders work without cron.

        The sweeper is our child; we exec into gunicorn under the same pid, and it
        stops by itself once that pid is no longer its parent (gunicorn ended).
        """
        if seconds <= 0 or "sweep" not in get_commands():
            return
        self.stdout.flush()
        subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", "sweep", "--every", str(seconds),
             "--parent-pid", str(os.getpid()), "--verbosity", "0"],
            stdin=subprocess.DEVNULL,
            # Its own session: Ctrl+C in the terminal stops gunicorn cleanly instead of
            # also interrupting a sweep pass half-way with a traceback.
            start_new_session=True,
        )

    @staticmethod
    def public_url(host: str, port: int) -> str:
        # A wildcard address is not something a browser can open; show loopback instead.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return f"http://{shown}:{port}"

    def print_box(self, lines: list[str]) -> None:
        width = max(display_width(line) for line in lines) + 2
        border = "+" + "-" * width + "+"
        self.stdout.write(border)
        for line in lines:
            self.stdout.write("| " + line + " " * (width - 1 - display_width(line)) + "|")
        self.stdout.write(border)

    def exec_gunicorn(self, host: str, port: int, workers: int) -> None:
        """Replace this process with gunicorn, so a supervisor's signals reach it directly."""
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        argv = [
            sys.executable, "-m", "gunicorn", "kehu.wsgi:application",
            "--bind", bind,
            "--workers", str(workers),
            "--access-logfile", "-",
            "--error-logfile", "-",
            # gunicorn's control socket has one default path per user, so a second
            # instance (another port, a test) would fight over it; Kehu does not use it.
            "--no-control-socket",
            # A list URL carries every filter and a search; allow gunicorn's largest request line.
            "--limit-request-line", "8190",
        ]
        os.environ["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        self.stdout.write(_("Kehu is serving on %(url)s with %(workers)d workers (Ctrl+C stops it).")
                          % {"url": self.public_url(host, port), "workers": workers})
        self.stdout.flush()
        self.stderr.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        # Connections opened by the set-up must not leak into the new process image.
        connections.close_all()
        os.execv(sys.executable, argv)
