"""Session expiry on Kehu's clock (so tests can move time), after AuthenticationMiddleware.

A session ends after SESSION_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE after
sign-in whatever the activity. A deactivated user is already anonymous here (the backend's
get_user refuses them); their session is flushed too, so nothing of it lingers.

A user whose password a manager reset (`password_must_change`) is sent to the password-change
page before anything else: every page answers with a redirect there, except that page itself,
signing out, the language switch, static files and the token-authenticated API.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from kehu.accounts.signin import user_may_authenticate
from kehu.core import clock

STARTED, SEEN = "kehu_signed_in_at", "kehu_seen_at"
# Where a user who must change their password is sent, and the pages they may still reach.
PASSWORD_CHANGE_URL = "web:password_change"
STILL_ALLOWED = ("web:password_change", "web:logout", "web:set_language", "admin:logout")
ALWAYS_OPEN_PREFIXES = ("/api/",)
SEEN_RESOLUTION = 60  # write the session at most once a minute for activity


def start_session(session) -> None:
    now = clock.now().timestamp()
    session[STARTED] = now
    session[SEEN] = now


def session_expired(session, now: float) -> bool:
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return False
    idle = getattr(settings, "SESSION_IDLE_SECONDS", 0)
    if idle and now - seen > idle:
        return True
    return now - started > settings.SESSION_COOKIE_AGE


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None:
            self._check(request, session, user)
            redirect = self._password_first(request)
            if redirect is not None:
                return redirect
        return self.get_response(request)

    @staticmethod
    def _password_first(request):
        user = request.user
        if not (user.is_authenticated and getattr(user, "password_must_change", False)):
            return None
        path = request.path
        allowed = set()
        for name in STILL_ALLOWED:
            try:
                allowed.add(reverse(name))
            except NoReverseMatch:
                continue
        static = getattr(settings, "STATIC_URL", None) or "/static/"
        if path in allowed or path.startswith((*ALWAYS_OPEN_PREFIXES, static)):
            return None
        target = reverse(PASSWORD_CHANGE_URL)
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return HttpResponseRedirect(target)

    def _check(self, request, session, user) -> None:
        if not user.is_authenticated:
            if session.get("_auth_user_id"):  # a deactivated user's session: gone for good
                session.flush()
            return
        if not user_may_authenticate(user):
            logout(request)
            return
        now = clock.now().timestamp()
        if STARTED not in session:
            start_session(session)
        elif session_expired(session, now):
            logout(request)
            request.user = AnonymousUser()
        elif now - session.get(SEEN, 0) > SEEN_RESOLUTION:
            session[SEEN] = now
