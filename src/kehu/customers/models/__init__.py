from kehu.customers.models.contact import Contact, ContactMethod, ContactMethodKind, DecisionRole, Preference
from kehu.customers.models.customer import (
    CompanySize,
    Customer,
    CustomerCollaborator,
    CustomerKind,
    DecisionCycle,
    NeedType,
    Ownership,
    Stage,
    StageChange,
    Urgency,
)
from kehu.customers.models.reference import Channel, ChannelCost, Industry, IndustryPhrase, Tag
from kehu.customers.models.transaction import Transaction, TransactionKind

__all__ = [
    "Channel", "ChannelCost", "CompanySize", "Contact", "ContactMethod", "ContactMethodKind", "Customer",
    "CustomerCollaborator", "CustomerKind", "DecisionCycle", "DecisionRole", "Industry", "IndustryPhrase",
    "NeedType", "Ownership", "Preference", "Stage", "StageChange", "Tag", "Transaction", "TransactionKind",
    "Urgency",
]
