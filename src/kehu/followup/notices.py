"""How follow-up notifications read (inbox, e-mail, robots, digest), and the follow-up figures of
the daily digest. Registered with kehu.notify when the app is ready."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.notify.digest import register_section
from kehu.notify.render import Message, register


def when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def customer_url(customer_id: int | None) -> str:
    if not customer_id:
        return ""
    try:
        path = reverse("web:customer_detail", args=[customer_id])
    except NoReverseMatch:
        return ""
    return getattr(settings, "PUBLIC_URL", "").rstrip("/") + path


def _objects(model, items, related=()):
    ids = {item.object_id for item in items}
    return model.objects.in_bulk(ids) if not related else {o.pk: o for o in model.objects.filter(pk__in=ids).select_related(*related)}


def _gone(item) -> Message:
    return Message(title=_("This item no longer exists."))


TASK_TITLES = {
    "task.assigned": lambda t: _("New action for you, due %(due)s: %(title)s") % {"due": when(t.due_at), "title": t.title},
    "task.reminder": lambda t: _("Action due %(due)s: %(title)s") % {"due": when(t.due_at), "title": t.title},
    "task.reminder2": lambda t: _("Second reminder, due %(due)s: %(title)s") % {"due": when(t.due_at), "title": t.title},
    "task.overdue": lambda t: _("Overdue since %(due)s: %(title)s") % {"due": when(t.due_at), "title": t.title},
    "task.escalated": lambda t: _("%(owner)s's action is overdue since %(due)s: %(title)s")
    % {"owner": t.owner, "due": when(t.due_at), "title": t.title},
    "task.reassign": lambda t: _("Still overdue since %(due)s — consider giving it to someone else: %(title)s (%(owner)s)")
    % {"owner": t.owner, "due": when(t.due_at), "title": t.title},
}


@register(*TASK_TITLES)
def tasks(items) -> list[Message]:
    from kehu.followup.models import Task

    found = _objects(Task, items, ("customer", "owner"))
    out = []
    for item in items:
        task = found.get(item.object_id)
        out.append(_gone(item) if task is None else Message(
            title=TASK_TITLES[item.kind](task), body=task.customer.name, url=customer_url(task.customer_id)))
    return out


COMPLAINT_TITLES = {
    "complaint.new": lambda c: _("New complaint to handle (%(severity)s)") % {"severity": c.get_severity_display()},
    "complaint.response_breach": lambda c: _("Complaint not answered by %(due)s") % {"due": when(c.response_due_at)},
    "complaint.solution_breach": lambda c: _("Complaint not resolved by %(due)s") % {"due": when(c.solution_due_at)},
}


@register(*COMPLAINT_TITLES)
def complaints(items) -> list[Message]:
    from kehu.followup.models import Complaint

    found = _objects(Complaint, items, ("customer",))
    out = []
    for item in items:
        complaint = found.get(item.object_id)
        out.append(_gone(item) if complaint is None else Message(
            title=COMPLAINT_TITLES[item.kind](complaint),
            body=f"{complaint.customer.name}: {complaint.description[:120]}", url=customer_url(complaint.customer_id)))
    return out


@register("customer.silent")
def silent(items) -> list[Message]:
    return [Message(title=_("No interaction for a long time: now silent, due for reactivation"),
                    body=item.customer.name if item.customer_id else "", url=customer_url(item.customer_id))
            for item in items]


@register("greeting.due")
def greeting_due(items) -> list[Message]:
    from kehu.followup.models import Greeting

    found = _objects(Greeting, items, ("customer", "contact"))
    out = []
    for item in items:
        greeting = found.get(item.object_id)
        if greeting is None:
            out.append(_gone(item))
            continue
        who = greeting.contact.name if greeting.contact_id else greeting.customer.name
        out.append(Message(title=_("%(occasion)s of %(who)s on %(day)s: send a greeting") % {
            "occasion": greeting.get_occasion_display(), "who": who, "day": greeting.occurs_on.isoformat()},
            body=greeting.text, url=customer_url(greeting.customer_id)))
    return out


@register("pool.warning")
def pool_warning(items) -> list[Message]:
    """due_at: the midnight the customer goes back to the public pool (kehu.customers.services.pool)."""
    return [Message(title=_("Not followed up for a long time: goes to the public pool on %(day)s unless you "
                            "contact it") % {"day": timezone.localdate(item.due_at).isoformat()},
                    body=item.customer.name if item.customer_id else "", url=customer_url(item.customer_id))
            for item in items]


def pool_url() -> str:
    try:
        path = reverse("web:pool")
    except NoReverseMatch:
        return ""
    return getattr(settings, "PUBLIC_URL", "").rstrip("/") + path


@register("pool.returned")
def pool_returned(items) -> list[Message]:
    """About a former customer the reader no longer sees: its name, and a link to the pool (where
    their team claims from), not to the customer."""
    from kehu.customers.models import Customer

    names = dict(Customer.objects.filter(pk__in={item.object_id for item in items}).values_list("pk", "name"))
    url = pool_url()
    return [Message(title=_("No follow-up for too long: %(customer)s went back to the public pool")
                    % {"customer": names.get(item.object_id, "")}, url=url) for item in items]


@register("referral.reward")
def referral_reward(items) -> list[Message]:
    from kehu.followup.models import ReferralReward

    found = _objects(ReferralReward, items, ("customer", "referrer"))
    return [_gone(item) if item.object_id not in found else Message(
        title=_("%(customer)s signed: reward %(referrer)s for the referral") % {
            "customer": found[item.object_id].customer.name, "referrer": found[item.object_id].referrer.name},
        url=customer_url(found[item.object_id].referrer_id)) for item in items]


@register_section
def follow_up_figures(user, now: dt.datetime) -> list[str]:
    from kehu.followup import queries

    figures = [
        (queries.open_tasks(user, mine=True).filter(due_at__lt=now).count(), _("Your overdue actions: %(n)d")),
        (queries.open_tasks(user, mine=True).filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=1)).count(),
         _("Your actions due in the next 24 hours: %(n)d")),
        (queries.overdue_customers(user, now=now).filter(owner=user).count(), _("Your customers due for contact: %(n)d")),
        (queries.greetings_due(user, today=timezone.localdate(now)).count(), _("Greetings to send: %(n)d")),
    ]
    return [text % {"n": count} for count, text in figures if count]
