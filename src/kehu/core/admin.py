import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kehu.core.admin_base import AuditedAdmin, ReadOnlyAdmin, is_admin_user
from kehu.core.audit_queries import redact_events, visible_events
from kehu.core.policy import may_read_audit
from kehu.core.models import AuditEvent, Sequence, Setting


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The log as kehu.core.audit_queries scopes it: a team lead reads the events of the teams
    they lead (their customers, their members), only the org admin all; confidential values of
    customers the reader may not see in full are masked."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id", "customer_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "=object_id", "=customer_id")
    date_hierarchy = "at"
    fields = ("at", "actor_name", "action", "object_type", "object_id", "shown_repr", "customer_id",
              "shown_changes", "note")
    readonly_fields = fields

    def has_module_permission(self, request):
        return is_admin_user(request.user) and may_read_audit(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_queryset(self, request):
        if not self.has_module_permission(request):
            return AuditEvent.objects.none()
        return visible_events(request.user).order_by("-at", "-id")

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        return redact_events(request.user, [event])[0] if event is not None else None

    @admin.display(description=_("object"))
    def shown_repr(self, event):
        return event.object_repr

    @admin.display(description=_("changes"))
    def shown_changes(self, event):
        return json.dumps(event.changes, ensure_ascii=False)


@admin.register(Setting)
class SettingAdmin(AuditedAdmin):
    list_display = ("key", "value", "updated_at")


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ("key", "value")
