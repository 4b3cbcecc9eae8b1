"""API shapes of customers, contacts, transactions and reference data.

All customer output goes through customer_out() (and contact_out / transaction_out), which ask
kehu.core.redaction what the caller may read: confidential fields are left out, phones masked.
Webhook payloads use the same functions, so a receiver never gets more than its owner may see.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BaseModel

from kehu.core.policy import access_for
from kehu.core.redaction import contact_methods, redact_customer, redact_transaction
from kehu.core.schemas import Id, Version

Text = Annotated[str, Field(max_length=10_000)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


# --- output ----------------------------------------------------------------------------------
# Plain pydantic models, not ninja Schemas: they are always given the dicts customer_out() and
# contact_out() build, and ninja's Schema reads every field through its Django attribute getter
# (3.4 ms for a page of 50 customers against 0.2 ms).

class MethodOut(BaseModel):
    id: int
    kind: str
    label: str = ""
    text: str
    masked: bool
    may_reveal: bool


class ContactOut(BaseModel):
    id: int
    name: str
    title: str
    department: str = ""
    wechat: str = ""
    preference: str = ""
    decision_role: str = ""
    birthday: dt.date | None = None
    note: str = ""
    is_primary: bool = False
    is_active: bool = True
    left_at: dt.datetime | None = None
    replaced_by: int | None = None
    version: int
    methods: list[MethodOut] = []


class CustomerOut(BaseModel):
    id: int
    number: str | None = None
    kind: str | None = None
    name: str | None = None
    short_name: str | None = None
    industry: int | None = None
    industry_code: str | None = None
    first_contact_date: dt.date | None = None
    need_description: str | None = None
    source_channel: int | None = None
    referrer: int | None = None
    referral_reason: str | None = None
    employees: int | None = None
    annual_revenue: Decimal | None = None
    decision_chain: str | None = None
    cooperation_history: str | None = None
    competitor_info: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    credit_code: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    macro_region: str | None = None
    founded_year: int | None = None
    ownership: str | None = None
    main_business: str | None = None
    pain_points: str | None = None
    need_type: str | None = None
    product_interests: str | None = None
    urgency: str | None = None
    decision_cycle: str | None = None
    decision_chain_length: str | None = None
    needs_undisclosed: bool | None = None
    custom_data: dict[str, Any] | None = None
    owner: int | None = None
    team: int | None = None
    stage: str | None = None
    stage_changed_at: dt.datetime | None = None
    previous_stage: str | None = None
    lost_reason: str | None = None
    size_class: str | None = None
    value_tier: str | None = None
    segment: str | None = None
    grade: str | None = None
    first_cooperation_date: dt.date | None = None
    last_transaction_date: dt.date | None = None
    transaction_count: int | None = None
    total_amount: Decimal | None = None
    average_order_value: Decimal | None = None
    last_interaction_at: dt.datetime | None = None
    next_follow_up_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None
    verified_by: int | None = None
    version: int | None = None
    created_at: dt.datetime | None = None
    created_by: int | None = None
    updated_at: dt.datetime | None = None
    updated_by: int | None = None
    deleted_at: dt.datetime | None = None
    tags: list[str] | None = None
    contacts: list[ContactOut] | None = None


CUSTOMER_FIELDS = frozenset(CustomerOut.model_fields)
LIST_DEFAULT_FIELDS = CUSTOMER_FIELDS - {"contacts"}


def contact_out(access, customer, contact) -> dict[str, Any]:
    data = {name: getattr(contact, name) for name in (
        "id", "name", "title", "department", "wechat", "preference", "decision_role", "birthday", "note",
        "is_primary", "is_active", "left_at", "version")}
    data["replaced_by"] = contact.replaced_by_id
    data["methods"] = contact_methods(access, customer, contact.methods.all())
    return data


def customer_out(user, customer, fields: set[str] | None = None, *, with_contacts: bool = True) -> dict[str, Any]:
    """The customer as `user` may read it; only `fields` when given (the API's fields=)."""
    access = access_for(user)
    wanted = set(fields) if fields is not None else set(CUSTOMER_FIELDS if with_contacts else LIST_DEFAULT_FIELDS)
    data = {k: v for k, v in redact_customer(access, customer, wanted).items() if k in CUSTOMER_FIELDS}
    data["id"] = customer.pk
    if "industry_code" in wanted:
        data["industry_code"] = customer.industry.code if customer.industry_id else None
    if "tags" in wanted:
        names = getattr(customer, "tag_names", None)  # the API's queries read them as a JSON array
        data["tags"] = sorted(json.loads(names) if names is not None else (tag.name for tag in customer.tags.all()))
    if "contacts" in wanted:
        data["contacts"] = [contact_out(access, customer, c) for c in customer.contacts.all()]
    return data


def transaction_out(user, row, customer=None) -> dict[str, Any]:
    data = redact_transaction(access_for(user), row, customer)
    data["customer"] = row.customer_id
    data["created_by"] = row.created_by_id
    return data


class TransactionOut(Schema):
    id: int
    customer: int
    kind: str
    reference: str = ""
    signed_on: dt.date
    amount: Decimal | None = None
    products: str = ""
    margin_rate: Decimal | None = None
    note: str = ""
    created_at: dt.datetime
    created_by: int | None = None


# --- input -----------------------------------------------------------------------------------

class ContactIn(Schema):
    name: Annotated[str, Field(max_length=1000)]
    title: Annotated[str, Field(max_length=1000)]
    phones: list[Annotated[str, Field(max_length=100)]] = []
    emails: list[Annotated[str, Field(max_length=300)]] = []
    department: str | None = None
    wechat: str | None = None
    preference: str | None = None
    decision_role: str | None = None
    birthday: dt.date | None = None
    note: Text | None = None
    is_primary: bool | None = None


class ContactPatch(Schema):
    version: Version
    name: str | None = None
    title: str | None = None
    phones: list[Annotated[str, Field(max_length=100)]] | None = None
    emails: list[Annotated[str, Field(max_length=300)]] | None = None
    department: str | None = None
    wechat: str | None = None
    preference: str | None = None
    decision_role: str | None = None
    birthday: dt.date | None = None
    note: Text | None = None
    is_primary: bool | None = None


class ContactReplace(ContactIn):
    version: Version
    reason: Text = ""


class CustomerFieldsIn(Schema):
    """Profile fields; industry and source_channel take an id, a code or a name."""

    kind: str | None = None
    name: Annotated[str, Field(max_length=1000)] | None = None
    short_name: Annotated[str, Field(max_length=1000)] | None = None
    industry: Id | Annotated[str, Field(max_length=200)] | None = None
    first_contact_date: dt.date | None = None
    need_description: Text | None = None
    source_channel: Id | Annotated[str, Field(max_length=200)] | None = None
    referrer: Id | None = None
    referral_reason: Text | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Money | None = None
    decision_chain: Text | None = None
    cooperation_history: Text | None = None
    competitor_info: Text | None = None
    budget_min: Money | None = None
    budget_max: Money | None = None
    credit_code: Annotated[str, Field(max_length=100)] | None = None
    address: Text | None = None
    province: Annotated[str, Field(max_length=100)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    macro_region: Annotated[str, Field(max_length=100)] | None = None
    founded_year: Annotated[int, Field(ge=0, le=9999)] | None = None
    ownership: str | None = None
    main_business: Text | None = None
    pain_points: Text | None = None
    need_type: str | None = None
    product_interests: Text | None = None
    urgency: str | None = None
    decision_cycle: str | None = None
    decision_chain_length: str | None = None
    needs_undisclosed: bool | None = None
    custom_data: dict[str, Any] | None = None
    tags: list[Annotated[str, Field(max_length=100)]] | None = None


class CustomerCreate(CustomerFieldsIn):
    name: Annotated[str, Field(max_length=1000)]
    first_contact_date: dt.date
    need_description: Text
    source_channel: Id | Annotated[str, Field(max_length=200)]
    contacts: Annotated[list[ContactIn], Field(min_length=1, max_length=50)]
    owner: Id | None = None


class CustomerPatch(CustomerFieldsIn):
    version: Version


class StageIn(Schema):
    version: Version
    stage: str
    reason: Text = ""
    contract_date: dt.date | None = None
    amount: Money | None = None
    reference: Annotated[str, Field(max_length=100)] | None = None
    products: Text | None = None


class VersionIn(Schema):
    version: Version


class TransactionIn(Schema):
    signed_on: dt.date
    amount: Money
    kind: str | None = None
    reference: Annotated[str, Field(max_length=100)] | None = None
    products: Text | None = None
    margin_rate: Annotated[Decimal, Field(ge=-100, le=100, decimal_places=2)] | None = None
    note: Text | None = None


class BulkIn(Schema):
    """Up to 1,000 items: an item with `id` (and `version`) updates that customer, one without
    creates a customer. Each item succeeds or fails on its own."""

    items: Annotated[list[Any], Field(min_length=1, max_length=1000)]


class BulkResult(Schema):
    index: int
    status: str
    id: int | None = None
    errors: list[dict[str, str]] = []
    current_version: int | None = None


class BulkOut(Schema):
    created: int
    updated: int
    failed: int
    results: list[BulkResult]


# --- reference data --------------------------------------------------------------------------

class ChannelOut(Schema):
    id: int
    name: str
    owner: int | None = Field(None, alias="owner_id")
    tool: str
    description: str
    is_active: bool


class ChannelIn(Schema):
    name: Annotated[str, Field(max_length=1000)]
    tool: Annotated[str, Field(max_length=1000)] = ""
    description: Text = ""
    owner: Id | None = None


class ChannelPatch(Schema):
    name: Annotated[str, Field(max_length=1000)] | None = None
    tool: Annotated[str, Field(max_length=1000)] | None = None
    description: Text | None = None
    is_active: bool | None = None


class TagOut(Schema):
    id: int
    name: str
    group: str
    color: str


class TagIn(Schema):
    name: Annotated[str, Field(max_length=1000)]
    group: Annotated[str, Field(max_length=40)] = ""
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#64748b"


class IndustryOut(Schema):
    id: int
    code: str
    level: int
    parent: int | None = Field(None, alias="parent_id")
    abbr: str
    name_zh: str
    name_en: str
