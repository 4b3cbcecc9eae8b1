from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Team, User
from kehu.core.admin_base import AuditedAdmin


class OrgAdminOnly(AuditedAdmin):
    """Users and teams: the organisation admin only (account rules come with the access module)."""

    def _may_manage(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(User)
class UserAdmin(OrgAdminOnly, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "team", "is_active", "last_login")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Kehu"), {"fields": ("display_name", "role", "team", "phone", "language")}))


@admin.register(Team)
class TeamAdmin(OrgAdminOnly):
    list_display = ("name", "lead", "created_at")
    search_fields = ("name",)
