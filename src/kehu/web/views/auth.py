"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.forms import SignInForm
from kehu.accounts.services import user_password_changed
from kehu.web.services import user_set_language


class LoginView(auth_views.LoginView):
    """Sign-in with the lock-out (kehu.accounts.signin): a locked account is told when to retry
    or to ask the manager; a reset password leads to the change-password page first."""

    template_name = "web/auth/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_success_url(self):
        if getattr(self.request.user, "password_must_change", False):
            return reverse("web:password_change")
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/auth/password_change.html"
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = getattr(self.request.user, "password_must_change", False)
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


@require_POST
def set_language(request):
    """The language switch: saved on the user's profile, or in a cookie before signing in."""
    language = request.POST.get("language", "")
    supported = {code for code, _name in settings.LANGUAGES}
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("web:home")
    response = HttpResponseRedirect(next_url)
    if language not in supported:
        return response
    if request.user.is_authenticated:
        user_set_language(request.user, language=language)
    translation.activate(language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
