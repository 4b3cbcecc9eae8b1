"""The sign-in forms: Django's, plus a plain message when the account is locked."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from kehu.accounts.signin import is_locked, locked_message


class LockoutMessageMixin:
    """A locked account gets the plain message (when to retry, or ask the manager) instead of
    "wrong username or password" — also on the very attempt that locks it."""

    def clean(self):
        username = self.cleaned_data.get("username")
        user = self._user_named(username) if username else None
        if user is not None and is_locked(user):
            raise forms.ValidationError(locked_message(user), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            if user is not None:
                user.refresh_from_db(fields=["locked_at", "failed_sign_ins"])
                if is_locked(user):
                    raise forms.ValidationError(locked_message(user), code="locked") from None
            raise

    @staticmethod
    def _user_named(username):
        User = get_user_model()
        return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    """For the app's sign-in page (kehu.web): use it instead of AuthenticationForm."""


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass
