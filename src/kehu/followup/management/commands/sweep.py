"""`kehu sweep`: one idempotent pass of every time-based check (reminders, escalation, cadence,
silence, complaint deadlines, greetings, referral rewards, digests, sending). Safe to run from cron
on several machines at once; `--every N` keeps running a pass every N seconds."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.sweep import run_sweep


class Command(BaseCommand):
    help = _("Run every time-based follow-up check once (or every N seconds with --every).")

    def add_arguments(self, parser):
        parser.add_argument("--at", help=_("Pretend it is this moment, 'YYYY-MM-DD HH:MM' (replays, tests)."))
        parser.add_argument("--only", action="append", metavar="CHECK", help=_("Run only this check (repeatable)."))
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help=_("Keep running, one pass every SECONDS."))
        parser.add_argument("--parent-pid", type=int, default=0, help=_("With --every: stop when this process ends."))

    def handle(self, *args, **options):
        moment = self.parse_moment(options["at"]) if options["at"] else None
        only = set(options["only"]) if options["only"] else None
        if options["every"] < 0:
            raise CommandError(_("--every must be a positive number of seconds."))
        if not options["every"]:
            if not self.one_pass(moment, only, options["verbosity"]):
                raise CommandError(_("Some checks failed; see the log above."))
            return
        if options["parent_pid"]:
            self.die_with_parent()
        while self.parent_alive(options["parent_pid"]):
            self.one_pass(moment, only, options["verbosity"])
            deadline = time.monotonic() + options["every"]
            while time.monotonic() < deadline and self.parent_alive(options["parent_pid"]):
                time.sleep(1)

    @staticmethod
    def die_with_parent() -> None:
        """On Linux, ask the kernel for SIGTERM when the parent (gunicorn) ends, so a pass busy
        with a large database stops with the server instead of finishing first. A pass cut short
        rolls back its open transaction; the next one does the same work again (idempotent)."""
        if sys.platform.startswith("linux"):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

    @staticmethod
    def parent_alive(pid: int) -> bool:
        # Started by `kehu serve`: when its process (gunicorn, same pid after exec) is gone we are reparented.
        return not pid or os.getppid() == pid

    @staticmethod
    def parse_moment(text: str) -> dt.datetime:
        try:
            return timezone.make_aware(dt.datetime.strptime(text.strip().replace("T", " ")[:16], "%Y-%m-%d %H:%M"))
        except ValueError:
            raise CommandError(_("--at must be a date and time like 2024-03-15 14:30.")) from None

    def one_pass(self, moment, only, verbosity: int) -> bool:
        result = run_sweep(moment, only=only)
        if verbosity:
            for name, count in result.done.items():
                self.stdout.write(f"{name}: {count} ({result.seconds[name]:.2f}s)")
            for name, error in result.failed.items():
                self.stderr.write(_("%(check)s failed: %(error)s") % {"check": name, "error": error})
        return result.ok
