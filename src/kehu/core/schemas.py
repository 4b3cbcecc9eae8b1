"""Small pieces every API router shares: id types, error shapes, `fields=` parsing, pages."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from ninja import Field, Schema

from kehu.core.errors import ValidationError
from kehu.integrations import messages

# Ids are positive 64-bit integers; bigger ones would overflow the database driver (500 → 422 here).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Field(ge=1, le=200)]
T = TypeVar("T")


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorsOut(Schema):
    detail: list[FieldErrorOut]


class MessageOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    current_version: int
    changed_by: str | None = None
    changed_at: str | None = None


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


# Every authenticated operation may answer 429 (too many failed token attempts from the address);
# an operation with a body answers 400 when the body is not JSON at all (django-ninja's parser).
ERRORS = {401: MessageOut, 403: MessageOut, 404: MessageOut, 422: ErrorsOut, 429: MessageOut}
WRITE_ERRORS = ERRORS | {400: MessageOut, 409: ConflictOut}


def parse_fields(text: str | None, allowed: set[str] | frozenset[str]) -> set[str] | None:
    """`fields=a,b,c` → {"id", "a", "b", "c"}; None for all fields; unknown names are a 422."""
    if text is None or not text.strip():
        return None
    wanted = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(wanted - set(allowed))
    if unknown:
        raise ValidationError({"fields": [messages.text("unknown_fields", names=", ".join(unknown), known=", ".join(sorted(allowed)))]})
    return wanted | {"id"}


def keyset(queryset, cursor: int | None, limit: int, *, field: str = "id"):
    """Rows newest first by id, after the cursor (the last id of the previous page)."""
    if cursor is not None:
        queryset = queryset.filter(**{f"{field}__lt": cursor})
    rows = list(queryset.order_by(f"-{field}")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(getattr(rows[-1], field)) if more and rows else None)


def int_cursor(cursor: str | None) -> int | None:
    if cursor in (None, ""):
        return None
    if not str(cursor).isdigit() or int(cursor) > 2**63 - 1:
        raise ValidationError({"cursor": [messages.text("bad_cursor")]})
    return int(cursor)
