"""`kehu demo --customers N [--seed S] [--batch 20000]`: load realistic demo customers."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers import demo


class Command(BaseCommand):
    help = gettext_lazy(
        "Add realistic Chinese demo customers with contacts, a year of interactions, next actions, "
        "transactions and stage history. The same seed gives the same customers; running it again adds more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000,
                            help=gettext_lazy("how many customers to add (default 1000)"))
        parser.add_argument("--seed", type=int, default=1, help=gettext_lazy("random seed (default 1)"))
        parser.add_argument("--batch", type=int, default=20_000, help=gettext_lazy(
            "customers per transaction (default 20000; smaller needs less memory, larger writes less)"))

    def handle(self, *args, customers: int, seed: int, batch: int, **options):
        if customers < 0:
            raise CommandError(_("--customers must be 0 or more."))
        if batch < 1:
            raise CommandError(_("--batch must be at least 1."))
        self.verbose = options.get("verbosity", 1) >= 1
        summary = demo.run(customers, seed=seed, batch_size=batch, progress=self.progress, notice=self.notice)
        if self.verbose:
            self.stdout.write(self.style.SUCCESS(_("Demo data added in %(seconds).1f s:") % {"seconds": summary.seconds}))
            for table, count in summary.counts.items():
                self.stdout.write(f"  {table.replace('_', ' '):<16}  {count:>12,}")

    def progress(self, done: int, total: int, seconds: float, writer) -> None:
        if self.verbose:
            rate = done / seconds if seconds else 0
            self.stdout.write(f"{done:>10,} / {total:,} customers  "
                              f"{writer.tables['interactions'].written:>11,} interactions  "
                              f"{seconds:8.1f} s  ({rate:,.0f} customers/s)")

    def notice(self, text: str) -> None:
        if self.verbose:
            self.stdout.write(text)
