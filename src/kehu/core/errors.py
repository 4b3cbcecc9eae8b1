"""Errors that services raise and every adapter (web, API, CLI, importer) turns into a clear answer."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

__all__ = ["ConflictError", "PermissionDenied", "ValidationError", "NotFound"]


class NotFound(Exception):
    """The object does not exist or the actor may not know that it does."""


class ConflictError(Exception):
    """Someone saved the record after the version the caller edited."""

    def __init__(self, *, current_version: int, changed_by: str | None, changed_at: dt.datetime | None):
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        when = changed_at_text(self.changed_at)
        return _(
            "This record was changed by %(who)s at %(when)s after you opened it "
            "(it is now version %(version)s). Reload it and apply your change again."
        ) % {"who": self.changed_by or _("someone"), "when": when, "version": self.current_version}


def changed_at_text(moment: dt.datetime | None) -> str:
    from django.utils import timezone

    if moment is None:
        return "?"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
