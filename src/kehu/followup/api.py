"""/interactions and /tasks (next actions): reads scoped by the customer's visibility."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from kehu.core.errors import ValidationError
from kehu.core.policy import get_visible_customer, get_visible_related, scope_related
from kehu.core.schemas import ERRORS, WRITE_ERRORS, Id, Limit, Page, int_cursor, keyset
from kehu.followup import services
from kehu.integrations import messages
from kehu.followup.models import Interaction, Task, TaskStatus
from kehu.followup.schemas import (
    InteractionIn,
    InteractionOut,
    TaskComplete,
    TaskIn,
    TaskOut,
    TaskPatch,
    interaction_out,
    task_out,
)

router = Router(tags=["follow-up"])


def _interactions():
    return Interaction.objects.select_related("method")


@router.get("/customers/{customer_id}/interactions", response={200: Page[InteractionOut]} | ERRORS)
def list_interactions(request, customer_id: Id, cursor: str | None = None, limit: Limit = 50):
    """Newest recorded first; `cursor` is the previous page's next_cursor."""
    customer = get_visible_customer(request.auth, customer_id)
    rows, next_cursor = keyset(_interactions().filter(customer=customer), int_cursor(cursor), limit)
    return {"items": [interaction_out(row) for row in rows], "next_cursor": next_cursor}


@router.post("/customers/{customer_id}/interactions", response={201: InteractionOut} | WRITE_ERRORS)
def record_interaction(request, customer_id: Id, payload: InteractionIn):
    data = payload.dict(exclude_unset=True)
    row = services.interaction_record(request.auth, customer_id, **data)
    return Status(201, interaction_out(get_visible_related(request.auth, _interactions(), row.pk)))


@router.get("/interactions/{interaction_id}", response={200: InteractionOut} | ERRORS)
def get_interaction(request, interaction_id: Id):
    return interaction_out(get_visible_related(request.auth, _interactions(), interaction_id))


@router.get("/tasks", response={200: Page[TaskOut]} | ERRORS)
def list_tasks(request, customer: Id | None = None, status: str = "open", mine: bool = True,
               cursor: str | None = None, limit: Limit = 50):
    """Next actions of customers you may see: by default your own open ones, newest first."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": [messages.text("task_status", choices=", ".join(TaskStatus.values))]})
    queryset = scope_related(request.auth, Task.objects.filter(status=status))
    if mine:
        queryset = queryset.filter(owner=request.auth)
    if customer is not None:
        queryset = queryset.filter(customer_id=customer)
    rows, next_cursor = keyset(queryset, int_cursor(cursor), limit)
    return {"items": [task_out(row) for row in rows], "next_cursor": next_cursor}


@router.post("/customers/{customer_id}/tasks", response={201: TaskOut} | WRITE_ERRORS)
def create_task(request, customer_id: Id, payload: TaskIn):
    task = services.task_create(request.auth, customer_id, **payload.dict(exclude_unset=True))
    return Status(201, task_out(task))


@router.get("/tasks/{task_id}", response={200: TaskOut} | ERRORS)
def get_task(request, task_id: Id):
    return task_out(get_visible_related(request.auth, Task.objects.all(), task_id))


@router.patch("/tasks/{task_id}", response={200: TaskOut} | WRITE_ERRORS)
def update_task(request, task_id: Id, payload: TaskPatch):
    get_visible_related(request.auth, Task.objects.all(), task_id)
    return task_out(services.task_update(request.auth, task_id, **payload.dict(exclude_unset=True)))


@router.post("/tasks/{task_id}/complete", response={200: TaskOut} | WRITE_ERRORS)
def complete_task(request, task_id: Id, payload: TaskComplete):
    get_visible_related(request.auth, Task.objects.all(), task_id)
    return task_out(services.task_complete(request.auth, task_id, version=payload.version, result=payload.result))
