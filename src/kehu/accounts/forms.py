"""The sign-in forms: Django's, plus a plain message when the account is locked."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from kehu.accounts.signin import is_locked, locked_message


class LockoutMessageMixin:
    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            User = get_user_model()
            user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
            if user is not None and is_locked(user):
                raise forms.ValidationError(locked_message(user), code="locked")
        return super().clean()


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    """For the app's sign-in page (kehu.web): use it instead of AuthenticationForm."""


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass
