from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "kehu.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from kehu.integrations import delivery  # noqa: F401  (registers the sweep check)
