"""Optimistic locking: a stale `version` becomes a clear conflict, never a silent overwrite."""

from __future__ import annotations

from django.db import models

from kehu.core.errors import ConflictError, NotFound


def lock_current(queryset: models.QuerySet, pk: int, version: int | None):
    """Lock the row for this transaction and check the caller edited its latest version.

    `version=None` is for system writes (sweeps, derived totals) that merge rather than overwrite.
    """
    obj = queryset.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound(pk)
    if version is not None and obj.version != version:
        raise ConflictError(
            current_version=obj.version,
            changed_by=str(obj.updated_by) if getattr(obj, "updated_by_id", None) else None,
            changed_at=getattr(obj, "updated_at", None),
        )
    return obj
