"""/customers/bulk: create or update up to 1,000 customers in one call, a result per item.

Registered before /customers/{customer_id} so the path is not taken for an id."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from ninja import Router
from pydantic import ValidationError as PydanticError

from kehu.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kehu.core.schemas import WRITE_ERRORS
from kehu.customers import services
from kehu.customers.api.customers import _create
from kehu.integrations import messages
from kehu.integrations.messages import schema_errors, service_errors
from kehu.customers.schemas import BulkIn, BulkOut, CustomerCreate, CustomerPatch

router = Router(tags=["customers"])


def _item_errors(exc: Exception) -> list[dict[str, str]]:
    if isinstance(exc, PydanticError):
        return schema_errors(exc.errors())
    if isinstance(exc, ValidationError):
        return service_errors(exc)
    if isinstance(exc, ConflictError):
        return [{"field": "version", "message": exc.message}]
    if isinstance(exc, NotFound):
        return [{"field": "id", "message": messages.text("not_found")}]
    return [{"field": "", "message": str(exc) or messages.text("forbidden")}]


def _bulk_item(actor, index: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"index": index, "status": "error", "errors": [{"field": "", "message": messages.text("enter_object")}]}
    try:
        with transaction.atomic():  # its own transaction (a savepoint inside one): all or nothing
            if "id" in item:
                target = CustomerPatch.model_validate({k: v for k, v in item.items() if k != "id"})
                customer_id = item["id"] if type(item["id"]) is int else None
                if customer_id is None or not 1 <= customer_id <= 2**63 - 1:
                    raise NotFound(item["id"])
                customer = services.customer_update(actor, customer_id, **target.dict(exclude_unset=True))
                return {"index": index, "status": "updated", "id": customer.pk}
            customer = _create(actor, CustomerCreate.model_validate(item).dict(exclude_unset=True))
            return {"index": index, "status": "created", "id": customer.pk}
    except ConflictError as exc:
        return {"index": index, "status": "error", "errors": _item_errors(exc), "current_version": exc.current_version}
    except (PydanticError, ValidationError, NotFound, PermissionDenied) as exc:
        return {"index": index, "status": "error", "errors": _item_errors(exc)}


@router.post("/customers/bulk", response={200: BulkOut} | WRITE_ERRORS)
def bulk_customers(request, payload: BulkIn):
    """Create (no `id`) or update (`id` and `version`) up to 1,000 customers; a result per item.
    Items are independent: one that fails is rolled back whole and the others still apply."""
    # One transaction per item, not one around the call: a thousand creates must not hold
    # SQLite's write lock for the whole call while every other writer waits.
    results = [_bulk_item(request.auth, i, item) for i, item in enumerate(payload.items)]
    counts = {status: sum(1 for r in results if r["status"] == status) for status in ("created", "updated", "error")}
    return {"created": counts["created"], "updated": counts["updated"], "failed": counts["error"], "results": results}
