from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kehu.accounts import services
from kehu.accounts.forms import AdminSignInForm
from kehu.accounts.models import Team, User
from kehu.core.admin_base import AuditedAdmin

# The admin's sign-in says plainly when an account is locked (kehu.accounts.signin).
admin.site.login_form = AdminSignInForm


class OrgAdminOnly(AuditedAdmin):
    """Users and teams: the organisation admin only. Team leads manage their reps through the
    services (unlock, password reset, deactivation) from the app's pages."""

    def _may_manage(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(User)
class UserAdmin(OrgAdminOnly, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "team", "is_active", "locked_at", "last_login")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "display_name", "email")
    readonly_fields = ("failed_sign_ins", "locked_at", "deactivated_at", "last_login", "date_joined")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Kehu"), {"fields": ("display_name", "role", "team", "phone", "language")}),
        (_("Sign-in safety"), {"fields": ("failed_sign_ins", "locked_at", "password_must_change", "deactivated_at")}),
    )
    actions = ["unlock", "deactivate"]

    @admin.action(description=_("Unlock the selected users"))
    def unlock(self, request, queryset):
        for user in queryset:
            services.user_unlock(request.user, user.pk)
        messages.success(request, _("Unlocked."))

    @admin.action(description=_("Deactivate the selected users"))
    def deactivate(self, request, queryset):
        for user in queryset.exclude(pk=request.user.pk):
            services.user_deactivate(request.user, user.pk, reason="admin")
        messages.success(request, _("Deactivated."))


@admin.register(Team)
class TeamAdmin(OrgAdminOnly):
    list_display = ("name", "lead", "created_at")
    search_fields = ("name",)
