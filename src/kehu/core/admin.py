from django.contrib import admin

from kehu.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from kehu.core.models import AuditEvent, Sequence, Setting


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "customer_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "=object_id", "=customer_id")
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and (
            request.user.is_superuser or request.user.role == "manager")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Setting)
class SettingAdmin(AuditedAdmin):
    list_display = ("key", "value", "updated_at")


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ("key", "value")
