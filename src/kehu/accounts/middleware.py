"""Session expiry on Kehu's clock (so tests can move time), after AuthenticationMiddleware.

A session ends after SESSION_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE after
sign-in whatever the activity. A deactivated user is already anonymous here (the backend's
get_user refuses them); their session is flushed too, so nothing of it lingers.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser

from kehu.accounts.signin import user_may_authenticate
from kehu.core import clock

STARTED, SEEN = "kehu_signed_in_at", "kehu_seen_at"
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
        return self.get_response(request)

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
