from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kehu.accounts.middleware import start_session

        # Session expiry counts from the sign-in (kehu.accounts.middleware).
        user_logged_in.connect(lambda sender, request, user, **kw: start_session(request.session),
                               dispatch_uid="kehu.accounts.start_session", weak=False)
