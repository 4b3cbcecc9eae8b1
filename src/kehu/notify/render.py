"""Turning stored notifications into words, in the reader's language, when they are shown or sent.

Each app registers a renderer for its kinds (kehu.followup.notices). A renderer receives every
notification of its kind in a page at once, so it can read their objects in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""


Renderer = Callable[[list], list[Message]]
_renderers: dict[str, Renderer] = {}


def register(*kinds: str):
    def decorate(func: Renderer) -> Renderer:
        for kind in kinds:
            _renderers[kind] = func
        return func

    return decorate


def render_many(notifications: Iterable) -> list[Message]:
    """Messages in the same order as the notifications (in the active language)."""
    items = list(notifications)
    by_kind: dict[str, list] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    rendered: dict[int, Message] = {}
    for kind, group in by_kind.items():
        renderer = _renderers.get(kind)
        messages = renderer(group) if renderer else [Message(title=_("Notification: %(kind)s") % {"kind": kind})
                                                     for _item in group]
        for item, message in zip(group, messages):
            rendered[id(item)] = message
    return [rendered[id(item)] for item in items]


def render(notification) -> Message:
    return render_many([notification])[0]
