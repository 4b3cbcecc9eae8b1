"""Every write on customers and what hangs off them (see DESIGN.md: services)."""

from kehu.customers.services.contacts import contact_add, contact_replace, contact_update
from kehu.customers.services.handover import customer_handover, customer_handover_all
from kehu.customers.services.pool import pool_assign, pool_claim, pool_release
from kehu.customers.services.customers import (
    customer_create,
    customer_restore,
    customer_soft_delete,
    customer_update,
    customer_verify,
)
from kehu.customers.services.reference import channel_cost_set, channel_create, channel_update, tag_create
from kehu.customers.services.stages import customer_change_stage
from kehu.customers.services.transactions import transaction_record

__all__ = [
    "channel_cost_set", "channel_create", "channel_update", "contact_add", "contact_replace", "contact_update",
    "customer_change_stage", "customer_create", "customer_restore", "customer_soft_delete", "customer_update",
    "customer_verify", "tag_create", "transaction_record",
    "customer_handover", "customer_handover_all", "pool_assign", "pool_claim", "pool_release",
]
