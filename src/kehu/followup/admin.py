from django.contrib import admin

from kehu.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from kehu.customers.admin import VisibleOnly
from kehu.followup.models import (
    CadenceRule,
    Complaint,
    Greeting,
    GreetingTemplate,
    Interaction,
    InteractionMethod,
    SatisfactionSurvey,
    Task,
)


@admin.register(InteractionMethod)
class InteractionMethodAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "position", "is_active")


@admin.register(Interaction)
class InteractionAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("occurred_at", "customer", "method", "user", "mood", "responded", "recorded_at")
    list_select_related = ("customer", "method", "user")


@admin.register(Task)
class TaskAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("due_at", "title", "customer", "owner", "priority", "status")
    list_select_related = ("customer", "owner")
    list_filter = ("status", "priority")


@admin.register(CadenceRule)
class CadenceRuleAdmin(ReadOnlyAdmin):
    """Changed through cadence_rule_set (managers), so the change is validated and audited."""

    list_display = ("dimension", "value", "interval_days", "updated_at", "updated_by")


@admin.register(Complaint)
class ComplaintAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("received_at", "customer", "severity", "status", "handler", "response_breached_at",
                    "solution_breached_at")
    list_select_related = ("customer", "handler")
    list_filter = ("status", "severity")


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("surveyed_on", "customer", "service_quality", "product_function", "overall")
    list_select_related = ("customer",)


@admin.register(Greeting)
class GreetingAdmin(VisibleOnly, ReadOnlyAdmin):
    list_display = ("occurs_on", "occasion", "customer", "contact", "status", "sent_at")
    list_select_related = ("customer", "contact")
    list_filter = ("occasion", "status")


@admin.register(GreetingTemplate)
class GreetingTemplateAdmin(ReadOnlyAdmin):
    list_display = ("occasion", "name", "is_active", "updated_at")
