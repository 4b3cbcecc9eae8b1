"""Reading and moving a check's watermark (kehu.followup.models.Watermark)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from kehu.followup.models import Watermark


def reached(name: str) -> Watermark | None:
    return Watermark.objects.filter(name=name).first()


def advance(name: str, moment: dt.datetime, *, fingerprint: str | None = None) -> None:
    """Move forward to `moment` (never back: an overlapping slower sweep must not undo a faster one)."""
    fields = {"reached_at": moment} | ({"fingerprint": fingerprint} if fingerprint is not None else {})
    if Watermark.objects.filter(name=name, reached_at__lt=moment).update(**fields):
        return
    if fingerprint is not None:
        Watermark.objects.filter(name=name, reached_at=moment).update(fingerprint=fingerprint)
    try:
        with transaction.atomic():
            Watermark.objects.create(name=name, reached_at=moment, fingerprint=fingerprint or "")
    except IntegrityError:
        pass  # it exists, at or beyond `moment`
