"""The one visibility and permission policy (R32). Every read of customer data starts from
visible_customers(); every service asks the may_* functions before it writes.

`actor=None` is the system itself (sweeps, migrations, demo data): it may do anything.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound, PermissionDenied


def _role(user) -> str:
    return getattr(user, "role", "")


def _is_org_admin(user) -> bool:
    return bool(user.is_superuser)


def _led_team_ids(user) -> list[int]:
    ids = list(user.led_teams.values_list("pk", flat=True))
    return ids


def customer_scope(user) -> Q | None:
    """The filter of customers `user` may see; None means all of them."""
    from kehu.customers.models import CustomerCollaborator

    if _is_org_admin(user) or _role(user) == "data_admin":
        return None
    collaborating = Exists(CustomerCollaborator.objects.filter(customer=OuterRef("pk"), user=user))
    if _role(user) == "manager":
        return Q(team_id__in=_led_team_ids(user)) | Q(owner=user) | collaborating
    if _role(user) == "rep":
        return Q(owner=user) | collaborating
    return collaborating


def visible_customers(user, *, include_deleted: bool = False) -> QuerySet:
    from kehu.customers.models import Customer

    queryset = Customer.objects.all() if include_deleted else Customer.objects.alive()
    if user is None:
        return queryset
    if not user.is_active:
        return queryset.none()
    scope = customer_scope(user)
    return queryset if scope is None else queryset.filter(scope)


def get_visible_customer(user, pk: int, *, include_deleted: bool = False):
    """The customer, or NotFound when it doesn't exist or the user may not know it exists."""
    customer = visible_customers(user, include_deleted=include_deleted).filter(pk=pk).first()
    if customer is None:
        raise NotFound(pk)
    return customer


def _collaborator_link(user, customer):
    return customer.collaborator_links.filter(user=user).first()


def may_create_customer(user) -> bool:
    return user is None or (user.is_active and (_is_org_admin(user) or _role(user) in {"manager", "rep", "data_admin"}))


def may_edit_customer(user, customer) -> bool:
    if user is None or _is_org_admin(user):
        return True
    if not user.is_active:
        return False
    if _role(user) == "manager" and (customer.team_id in _led_team_ids(user) or customer.owner_id == user.pk):
        return True
    if _role(user) == "rep" and customer.owner_id == user.pk:
        return True
    link = _collaborator_link(user, customer)
    return bool(link and link.can_edit)


def may_record_interaction(user, customer) -> bool:
    if may_edit_customer(user, customer):
        return True
    link = _collaborator_link(user, customer)
    return bool(link and link.can_record_interaction)


def may_delete_customer(user, customer) -> bool:
    """Reps never delete (R32); managers delete within the teams they lead."""
    if user is None or _is_org_admin(user):
        return True
    return user.is_active and _role(user) == "manager" and customer.team_id in _led_team_ids(user)


def may_manage_reference_data(user) -> bool:
    """Channels, tags, industry phrases, custom fields: data admins and managers."""
    return user is None or (user.is_active and (_is_org_admin(user) or _role(user) in {"manager", "data_admin"}))


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))
