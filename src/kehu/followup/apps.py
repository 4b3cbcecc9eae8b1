from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "kehu.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from kehu.followup import notices  # noqa: F401  (how follow-up notifications read)
