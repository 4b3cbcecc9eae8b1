"""Each signed-in user sees the site in the language of their profile (User.language).

Runs after AuthenticationMiddleware and Django's LocaleMiddleware. Signed-out visitors of the web
pages get Chinese (the default) unless they chose a language with the switch (a cookie); API
clients keep what LocaleMiddleware derived from their Accept-Language header.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._language_for(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def _language_for(request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = getattr(user, "language", "")
            return chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE
        if request.path.startswith("/api/"):
            return None
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        return cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE
