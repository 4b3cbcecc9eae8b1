"""The HTTP API: /api/v1, OpenAPI at /api/v1/openapi.json, browsable docs at /api/v1/docs.

Thin adapters only: each app's router parses input, calls a service or a query, and renders.
Here: authentication (personal API token, or the web session with CSRF), the caller's language,
and one mapping of the services' errors to HTTP:

    ValidationError  → 422 {"detail": [{"field": "contacts[0].phones[0]", "message": "…"}, …]}
    ConflictError    → 409 {"detail": "…", "current_version": 4, "changed_by": "…", "changed_at": "…"}
    NotFound         → 404 {"detail": "…"}  (also for what the caller may not see: never a hint)
    PermissionDenied → 403 {"detail": "…"}
    bad/missing auth → 401; too many failed token attempts → 429 with Retry-After
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from kehu.core.errors import ConflictError, NotFound
from kehu.integrations import messages
from kehu.integrations.messages import schema_errors, service_errors
from kehu.integrations.tokens import Throttled, authenticate

SUPPORTED_LANGUAGES = {"zh-hans", "en"}


def client_address(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


class TokenAuth(HttpBearer):
    """Authorization: Bearer kehu_… — a personal token; checked (and the user's is_active) on
    every request, so a revoked token or a deactivated user stops working at once."""

    openapi_description = "Personal API token (create one under /api/v1/tokens or in your profile)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate(token, client_address(request))
        if user is None:
            return None
        request.user = user
        # The caller's Accept-Language wins (LocaleMiddleware applied it); without one, the user's own.
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.language in SUPPORTED_LANGUAGES:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class ActiveSessionAuth(SessionAuth):
    """The web pages' own dynamic parts: the signed-in session, with CSRF on unsafe methods."""

    def _get_key(self, request: HttpRequest):
        if self.param_name not in request.COOKIES:
            return None  # no session: let the caller get 401, not a CSRF complaint
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Kehu API",
    version="1",
    description=__doc__,
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api-v1",
)


# --- errors ----------------------------------------------------------------------------------

@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc: NinjaValidationError):
    return api.create_response(request, {"detail": schema_errors(exc.errors)}, status=422)


@api.exception_handler(DjangoValidationError)
def _service_invalid(request, exc: DjangoValidationError):
    return api.create_response(request, {"detail": service_errors(exc)}, status=422)


@api.exception_handler(ConflictError)
def _conflict(request, exc: ConflictError):
    return api.create_response(request, {
        "detail": exc.message, "current_version": exc.current_version, "changed_by": exc.changed_by,
        "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
    }, status=409)


def _not_found(request, exc):
    return api.create_response(request, {"detail": messages.text("not_found")}, status=404)


for _exc in (NotFound, Http404, ObjectDoesNotExist):
    api.add_exception_handler(_exc, _not_found)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or messages.text("forbidden")}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(request, {"detail": messages.text("auth_required")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    response = api.create_response(request, {"detail": messages.text("throttled", seconds=exc.retry_after)},
                                   status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


# --- routers ---------------------------------------------------------------------------------

def _mount() -> None:
    from kehu.accounts.api import router as accounts_router
    from kehu.core.api import router as audit_router
    from kehu.customers.api import routers as customer_routers
    from kehu.followup.api import router as followup_router
    from kehu.integrations.api import router as integrations_router
    from kehu.search.api import router as search_router

    for router in customer_routers:
        api.add_router("/", router)
    api.add_router("/", followup_router)
    api.add_router("/", search_router)
    api.add_router("/", accounts_router)
    api.add_router("/", audit_router)
    api.add_router("/", integrations_router)


_mount()
