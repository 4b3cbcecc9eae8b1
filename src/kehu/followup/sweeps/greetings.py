"""R10: greetings for contacts' birthdays and customers' cooperation anniversaries, due
`greeting_days_ahead` days before the date, written from the active template of the occasion.
The owner is told; the greeting waits in the list (kehu.followup.queries.greetings_due) until
someone marks it sent. Once a day is enough: a finished day is marked (SweepMark)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.core import clock, config
from kehu.core.sweep import register
from kehu.customers.models import Contact, Customer
from kehu.followup.models import Greeting, GreetingTemplate, Occasion, SweepMark
from kehu.followup.services.greetings import render_greeting
from kehu.followup.sweeps import vendor
from kehu.notify.services import notify_rows

NAME = "followup.greetings"


def default_text(occasion: str) -> str:
    if occasion == Occasion.BIRTHDAY:
        return _("Dear {name} ({title}), happy birthday! Best wishes from all of us.")
    return _("Dear {name}, today marks {years} years of cooperation between {company} and us. Thank you!")


def window(today: dt.date, ahead: int) -> dict[str, dt.date]:
    """'MM-DD' → the date it falls on in the next `ahead` days; 29 February is kept on the 28th
    in other years."""
    days = {}
    for offset in range(ahead + 1):
        day = today + dt.timedelta(days=offset)
        days[day.strftime("%m-%d")] = day
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            days["02-29"] = day
    return days


def _templates() -> dict[str, GreetingTemplate]:
    found: dict[str, GreetingTemplate] = {}
    for template in GreetingTemplate.objects.filter(is_active=True).order_by("id"):
        found.setdefault(template.occasion, template)
    return found


def _month_day(model, column: str) -> RawSQL:
    return RawSQL(vendor.month_day(f'"{model._meta.db_table}"."{column}"'), (), output_field=CharField())


def birthday_greetings(days: dict[str, dt.date], ahead: int, template, now) -> list[Greeting]:
    contacts = (Contact.objects.filter(is_active=True, birthday__isnull=False, customer__deleted_at__isnull=True)
                .annotate(md=_month_day(Contact, "birthday")).filter(md__in=list(days))
                .select_related("customer"))
    rows = []
    for contact in contacts:
        day = days[contact.md]
        body = template.body if template else default_text(Occasion.BIRTHDAY)
        text = render_greeting(body, name=contact.name, title=contact.title, company=contact.customer.name,
                               years="", date=day.isoformat())
        rows.append(Greeting(occasion=Occasion.BIRTHDAY, customer_id=contact.customer_id, contact=contact,
                             occurs_on=day, due_on=day - dt.timedelta(days=ahead), template=template, text=text,
                             created_at=now))
    return rows


def anniversary_greetings(days: dict[str, dt.date], ahead: int, template, now) -> list[Greeting]:
    first_contact = Contact.objects.filter(customer=OuterRef("pk"), is_active=True).order_by("-is_primary", "id")
    customers = (Customer.objects.filter(deleted_at__isnull=True, first_cooperation_date__isnull=False)
                 .annotate(md=_month_day(Customer, "first_cooperation_date")).filter(md__in=list(days))
                 .annotate(contact_id=Subquery(first_contact.values("pk")[:1]),
                           contact_name=Subquery(first_contact.values("name")[:1]),
                           contact_title=Subquery(first_contact.values("title")[:1]))
                 .only("pk", "name", "first_cooperation_date"))
    rows = []
    for customer in customers:
        day = days[customer.md]
        years = day.year - customer.first_cooperation_date.year
        if years < 1:
            continue
        body = template.body if template else default_text(Occasion.ANNIVERSARY)
        text = render_greeting(body, name=customer.contact_name or customer.name, title=customer.contact_title or "",
                               company=customer.name, years=years, date=day.isoformat())
        rows.append(Greeting(occasion=Occasion.ANNIVERSARY, customer_id=customer.pk, contact_id=customer.contact_id,
                             occurs_on=day, due_on=day - dt.timedelta(days=ahead), template=template, text=text,
                             created_at=now))
    return rows


@register(NAME, order=500)
def greetings(now: dt.datetime) -> int:
    today = timezone.localdate(now)
    if SweepMark.objects.filter(name=NAME, day=today).exists():
        return 0
    ahead = int(config.get("greeting_days_ahead"))
    days = window(today, ahead)
    templates = _templates()
    with translation.override(settings.LANGUAGE_CODE):
        rows = (birthday_greetings(days, ahead, templates.get(Occasion.BIRTHDAY), now)
                + anniversary_greetings(days, ahead, templates.get(Occasion.ANNIVERSARY), now))
    with transaction.atomic():
        # Greetings already written (an earlier day's pass, a concurrent sweep) meet the unique constraints.
        Greeting.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        notify_rows("greeting.due", Greeting.objects.filter(created_at=now), recipient="customer__owner_id",
                    due_at=now, now=now)
        SweepMark.objects.get_or_create(name=NAME, day=today, defaults={"finished_at": clock.now()})
    return Greeting.objects.filter(created_at=now).count()
