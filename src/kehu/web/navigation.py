"""The main navigation: a small registry so other apps add their pages without editing the base template.

Each entry names a URL and a label; `visible(access)` decides who sees it (a data admin sees the
settings, everybody the daily pages); it gets the request's kehu.core.policy.Access. Order is by `order`, then by registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.core.policy import may_manage_reference_data, may_read_audit


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    order: int
    visible: Callable[[object], bool]
    # URL prefixes that count as "this section" for aria-current (the list covers /customers/12/).
    prefixes: tuple[str, ...] = ()


_ITEMS: list[NavItem] = []


def register(url_name: str, label, *, order: int = 100, visible: Callable[[object], bool] | None = None,
             prefixes: tuple[str, ...] = ()) -> None:
    """Add a page to the main navigation (call from an AppConfig.ready)."""
    if any(item.url_name == url_name for item in _ITEMS):
        return
    _ITEMS.append(NavItem(url_name, label, order, visible or (lambda user: True), prefixes))
    _ITEMS.sort(key=lambda item: item.order)


def items_for(request) -> list[dict]:
    from kehu.web.access import access_of

    # One Access for every item's question: the user's led teams are read once per page.
    user = access_of(request)
    out = []
    for item in _ITEMS:
        if not item.visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app registered a page whose URLs are not mounted (yet)
            continue
        prefixes = item.prefixes or (url,)
        current = request.path == url if url == "/" else any(request.path.startswith(p) for p in prefixes)
        out.append({"url": url, "label": item.label, "current": current})
    return out


def register_defaults() -> None:
    register("web:home", _("My day"), order=10)
    register("web:customer_list", _("Customers"), order=20, prefixes=("/customers/",))
    register("web:inbox", _("Actions"), order=30, prefixes=("/actions/",))
    register("web:pipeline", _("Pipeline"), order=40, prefixes=("/pipeline/",))
    register("web:pool", _("Public pool"), order=50, visible=_may_browse_pool, prefixes=("/pool/",))
    register("web:audit_log", _("Audit log"), order=80, visible=may_read_audit, prefixes=("/audit/",))
    register("web:team_accounts", _("Team accounts"), order=85, visible=_may_manage_accounts, prefixes=("/team/",))
    register("web:settings", _("Settings"), order=90, visible=may_manage_reference_data, prefixes=("/settings/",))


def _may_browse_pool(user) -> bool:
    from kehu.web.views.pool import may_browse_pool

    return may_browse_pool(user)


def _may_manage_accounts(user) -> bool:
    from kehu.web.views.team import may_manage_accounts

    return may_manage_accounts(user)
