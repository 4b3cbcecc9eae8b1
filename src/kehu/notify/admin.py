from django.contrib import admin

from kehu.core.admin_base import ReadOnlyAdmin
from kehu.notify.models import Delivery, Notification


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what was sent where, and why a message failed."""

    list_display = ("created_at", "user", "channel", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "channel")
    list_select_related = ("user",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "kind", "object_id", "due_at", "read_at")
    list_filter = ("kind",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)
