"""/users: who is who (read only). Colleagues see each other's names, roles and teams — what the
owner and task pickers need; e-mail and phone are not exposed."""

from __future__ import annotations

from ninja import Router

from kehu.accounts.models import User
from kehu.accounts.schemas import UserOut
from kehu.core.errors import NotFound
from kehu.core.schemas import ERRORS, Id, Limit, Page, int_cursor

router = Router(tags=["users"])


@router.get("/users/me", response={200: UserOut} | ERRORS)
def me(request):
    return request.auth


@router.get("/users", response={200: Page[UserOut]} | ERRORS)
def list_users(request, active: bool = True, team: Id | None = None, cursor: str | None = None, limit: Limit = 100):
    queryset = User.objects.filter(is_active=active)
    if team is not None:
        queryset = queryset.filter(team_id=team)
    after = int_cursor(cursor)
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": str(rows[-1].pk) if more else None}


@router.get("/users/{user_id}", response={200: UserOut} | ERRORS)
def get_user(request, user_id: Id):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(user_id)
    return user
