"""Admin building blocks: the admin reads through the same policy, and its few writes are audited.

Business records (customers, contacts, interactions…) are read-only here; they change through
services in the app and the API, where the rules live.
"""

from __future__ import annotations

from django.contrib import admin

from kehu.core import audit
from kehu.core.audit import diff, snapshot
from kehu.core.policy import may_manage_reference_data


def is_admin_user(user) -> bool:
    return user.is_active and user.is_staff


class ReadOnlyAdmin(admin.ModelAdmin):
    """Roles, not Django's per-model permissions, decide: staff read; what they see is scoped."""

    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def has_module_permission(self, request):
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_user(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Light editing of reference data, each save and delete written to the audit log."""

    def _may_manage(self, request) -> bool:
        return is_admin_user(request.user) and may_manage_reference_data(request.user)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def save_model(self, request, obj, form, change):
        fields = list(form.changed_data)
        before = snapshot(type(obj).objects.get(pk=obj.pk), fields) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = snapshot(obj, fields)
        action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
        audit.record(request.user, action, obj, changes=diff(before, after), note="admin")

    def delete_model(self, request, obj):
        audit.record(request.user, f"{obj._meta.model_name}.delete", obj, note="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
