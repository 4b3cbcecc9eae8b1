from django.contrib import admin

from kehu.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from kehu.customers.admin import VisibleOnly
from kehu.followup.models import Interaction, InteractionMethod, Task


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
