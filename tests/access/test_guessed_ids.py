"""Guessing the ids of another team's records gets NotFound (a 404 in the web and the API), never
a PermissionDenied that would confirm the record exists — for the customer and everything that
hangs off it."""

from __future__ import annotations

import pytest

from kehu.core.errors import NotFound
from kehu.core.policy import get_visible_related, scope_related
from kehu.customers.models import Contact, ContactMethod, CustomerCollaborator, StageChange, Transaction


def _related(world):
    ours = world.ours
    return {
        "contact": (Contact.objects.all(), ours.contacts.first().pk, "customer"),
        "contact method": (ContactMethod.objects.all(), world.phone_method(ours).pk, "customer"),
        "transaction": (Transaction.objects.all(), ours.transactions.first().pk, "customer"),
        "stage change": (StageChange.objects.all(), ours.stage_changes.first().pk, "customer"),
        "collaborator": (CustomerCollaborator.objects.all(), ours.collaborator_links.first().pk, "customer"),
    }


@pytest.mark.parametrize("role", ["manager_other_team", "other_rep", "collaborator_not_assigned", "deactivated",
                                  "anonymous"])
def test_related_records_of_another_teams_customer_are_not_found(world, role):
    user = world.users[role]
    for name, (queryset, pk, path) in _related(world).items():
        with pytest.raises(NotFound):
            get_visible_related(user, queryset, pk, path=path)
        assert not scope_related(user, queryset, path=path).filter(pk=pk).exists(), name


@pytest.mark.parametrize("role", ["owner_rep", "manager", "collaborator_assigned", "data_admin", "org_admin"])
def test_related_records_are_found_by_who_may_see_the_customer(world, role):
    for name, (queryset, pk, path) in _related(world).items():
        assert get_visible_related(world.users[role], queryset, pk, path=path).pk == pk, name


def test_related_records_of_a_deleted_customer_are_gone_from_lists(world):
    from kehu.customers.services import customer_soft_delete

    customer_soft_delete(world.manager, world.ours.pk, version=world.ours.version)
    assert not scope_related(world.owner_rep, Contact.objects.all()).exists()
    assert scope_related(world.manager, Contact.objects.all(), include_deleted=True).filter(customer=world.ours).exists()


def test_interactions_and_actions_are_scoped_like_their_customer(world):
    from kehu.followup.models import Interaction, Task
    from kehu.followup.services import interaction_record

    interaction = interaction_record(
        world.owner_rep, world.ours.pk, occurred_at="2026-02-10 10:00", method="phone", summary="电话沟通",
        feedback="客户有兴趣", next_step="发送报价",
        next_action={"title": "发送报价单", "due_at": "2026-12-01 10:00", "priority": "high"})
    task = Task.objects.get(interaction=interaction)
    for queryset, pk in ((Interaction.objects.all(), interaction.pk), (Task.objects.all(), task.pk)):
        assert get_visible_related(world.collaborator_assigned, queryset, pk).pk == pk
        with pytest.raises(NotFound):
            get_visible_related(world.manager_other_team, queryset, pk)


@pytest.mark.parametrize("bad", [-1, "1 OR 1=1", "abc", None])
def test_malformed_ids_are_not_found(world, bad):
    from kehu.core.policy import get_visible_customer

    with pytest.raises(NotFound):
        get_visible_customer(world.org_admin, bad)
    with pytest.raises(NotFound):
        get_visible_related(world.org_admin, Contact.objects.all(), bad)


def test_writes_on_a_guessed_customer_are_not_found(world):
    from kehu.core.redaction import reveal_phone
    from kehu.customers.services import (
        customer_handover,
        customer_soft_delete,
        customer_update,
        pool_claim,
        transaction_record,
    )

    outsider, theirs = world.manager, world.theirs
    attempts = [
        lambda: customer_update(outsider, theirs.pk, version=theirs.version, short_name="x"),
        lambda: customer_soft_delete(outsider, theirs.pk, version=theirs.version),
        lambda: transaction_record(outsider, theirs.pk, signed_on="2026-02-02", amount="1"),
        lambda: reveal_phone(outsider, world.phone_method(theirs).pk),
        lambda: customer_handover(outsider, [theirs.pk], to_owner=world.other_rep, reason="x"),
        lambda: pool_claim(outsider, theirs.pk),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
