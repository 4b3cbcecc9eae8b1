"""API shapes of users (read only through the API)."""

from __future__ import annotations

from ninja import Field, Schema


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    team: int | None = Field(None, alias="team_id")
    is_active: bool
    language: str
