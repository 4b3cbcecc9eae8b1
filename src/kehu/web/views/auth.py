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

from kehu.web.services import user_set_language


class LoginView(auth_views.LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/auth/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
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
