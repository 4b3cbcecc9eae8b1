"""How the web pages reach customers and turn service errors into answers.

Every page reads a customer through the core policy: one the user may not see is a 404 (no hint
that it exists); one they may see but not change gives the page in read-only form, and a write
they may not make is a 403 from the service's PermissionDenied.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from kehu.core.errors import ConflictError, NotFound, ValidationError
from kehu.core.policy import Access, access_for, get_visible_customer


def access_of(request) -> Access:
    """One Access per request: the user's led teams and collaborator links are read once."""
    access = getattr(request, "_kehu_access", None)
    if access is None or access.user is not request.user:
        access = request._kehu_access = access_for(request.user)
    return access


def web_view(view):
    """Signed-in users only; a NotFound from a service or query becomes the 404 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    return wrapper


def customer_for(user, pk: int):
    try:
        return get_visible_customer(user, int(pk))
    except (NotFound, ValueError) as exc:
        raise Http404 from exc


class Rights:
    """What the user may do with one customer, asked once per page."""

    def __init__(self, user, customer):
        access = access_for(user)
        self.edit = access.may_edit(customer)
        self.record = self.edit or access.may_record_interaction(customer)
        self.delete = access.may_delete(customer)
        self.confidential = access.may_see_confidential(customer)
        self.full_phone = access.may_see_full_phone(customer)
        self.reveal_phone = access.may_reveal_phone(customer)


def error_dict(exc: Exception) -> dict[str, list[str]]:
    """Field-named messages from a service error (ValidationError or ConflictError)."""
    if isinstance(exc, ConflictError):
        return {"__all__": [exc.message]}
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
        return {"__all__": [str(m) for m in exc.messages]}
    return {"__all__": [str(exc)]}
