from django.contrib import admin

from kehu.core.admin_base import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from kehu.core.policy import visible_customers
from kehu.customers.models import (
    Channel,
    ChannelCost,
    Contact,
    ContactMethod,
    Customer,
    CustomerCollaborator,
    Industry,
    IndustryPhrase,
    StageChange,
    Tag,
    Transaction,
)


class VisibleOnly:
    """Admin lists of customer data go through the one visibility policy too."""

    customer_path = "customer"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = visible_customers(request.user, include_deleted=True).values("pk")
        if self.customer_path == "self":
            return queryset.filter(pk__in=visible)
        return queryset.filter(**{f"{self.customer_path}__in": visible})


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ("name", "title", "decision_role", "preference", "is_primary", "is_active")


class TransactionInline(ReadOnlyInline):
    model = Transaction
    fields = ("signed_on", "kind", "amount", "products", "margin_rate")


@admin.register(Customer)
class CustomerAdmin(VisibleOnly, ReadOnlyAdmin):
    customer_path = "self"
    list_display = ("number", "name", "stage", "owner", "industry", "total_amount", "updated_at", "deleted_at")
    list_select_related = ("owner", "industry")
    list_filter = ("stage", "kind")
    search_fields = ("=number", "name", "=credit_code")
    inlines = [ContactInline, TransactionInline]


@admin.register(Contact)
class ContactAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("name", "title", "customer", "is_active", "updated_at")
    list_select_related = ("customer",)
    search_fields = ("name",)


@admin.register(ContactMethod)
class ContactMethodAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("raw", "kind", "value", "contact")


@admin.register(Transaction)
class TransactionAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("signed_on", "customer", "kind", "amount", "margin_rate")
    list_select_related = ("customer",)


@admin.register(StageChange)
class StageChangeAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("at", "customer", "from_stage", "to_stage", "by", "reason")


@admin.register(CustomerCollaborator)
class CollaboratorAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("customer", "user", "can_edit", "can_record_interaction")


@admin.register(Industry)
class IndustryAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "abbr", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name_zh", "name_en")
    readonly_fields = ("code", "level", "parent")


@admin.register(IndustryPhrase)
class IndustryPhraseAdmin(AuditedAdmin):
    list_display = ("phrase", "industry")
    search_fields = ("phrase",)
    autocomplete_fields = ("industry",)


class ChannelCostInline(admin.TabularInline):
    model = ChannelCost
    extra = 1


@admin.register(Channel)
class ChannelAdmin(AuditedAdmin):
    list_display = ("name", "owner", "tool", "is_active")
    inlines = [ChannelCostInline]


@admin.register(Tag)
class TagAdmin(AuditedAdmin):
    list_display = ("name", "group", "color")
    search_fields = ("name",)
