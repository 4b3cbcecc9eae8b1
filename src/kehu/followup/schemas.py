"""API shapes of interactions (R13) and next actions (R14)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from kehu.core.schemas import Id, Version

Text = Annotated[str, Field(max_length=10_000)]


class InteractionOut(Schema):
    id: int
    customer: int
    contact: int | None = None
    occurred_at: dt.datetime
    method: str
    user: int
    summary: str
    feedback: str
    next_step: str
    need_change: str = ""
    commitments: str = ""
    mood: str = ""
    responded: bool | None = None
    recorded_at: dt.datetime


class TaskOut(Schema):
    id: int
    customer: int
    interaction: int | None = None
    title: str
    owner: int
    due_at: dt.datetime
    priority: str
    status: str
    kind: str = ""
    note: str = ""
    completed_at: dt.datetime | None = None
    completed_by: int | None = None
    result: str = ""
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class NextActionIn(Schema):
    title: Annotated[str, Field(max_length=1000)]
    due_at: dt.datetime | Annotated[str, Field(max_length=40)]
    priority: str | None = None
    note: Text | None = None
    owner: Id | None = None


class InteractionIn(Schema):
    """The five elements of R13 — time, method, key points, feedback, next step — are required."""

    occurred_at: dt.datetime | Annotated[str, Field(max_length=40)]
    method: Annotated[str, Field(max_length=100)]
    summary: Text
    feedback: Text
    next_step: Text
    need_change: Text | None = None
    commitments: Text | None = None
    mood: str | None = None
    responded: bool | None = None
    contact: Id | None = None
    next_action: NextActionIn | None = None


class TaskIn(NextActionIn):
    pass


class TaskPatch(Schema):
    version: Version
    title: Annotated[str, Field(max_length=1000)] | None = None
    due_at: dt.datetime | Annotated[str, Field(max_length=40)] | None = None
    priority: str | None = None
    note: Text | None = None
    owner: Id | None = None


class TaskComplete(Schema):
    version: Version
    result: Text = ""


def interaction_out(row) -> dict[str, Any]:
    return {
        "id": row.pk, "customer": row.customer_id, "contact": row.contact_id, "occurred_at": row.occurred_at,
        "method": row.method.code, "user": row.user_id, "summary": row.summary, "feedback": row.feedback,
        "next_step": row.next_step, "need_change": row.need_change, "commitments": row.commitments,
        "mood": row.mood, "responded": row.responded, "recorded_at": row.recorded_at,
    }


def task_out(row) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in (
        "id", "title", "due_at", "priority", "status", "note", "completed_at", "result", "version", "created_at",
        "updated_at")}
    data.update(customer=row.customer_id, interaction=row.interaction_id, owner=row.owner_id,
                completed_by=row.completed_by_id, kind=getattr(row, "kind", ""))
    return data
