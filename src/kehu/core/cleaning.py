"""Collecting field errors so one call reports every bad field at once, named and explained."""

from __future__ import annotations

from typing import Any, Callable

from django.db import models
from django.utils.text import capfirst

from kehu.core.errors import ValidationError
from kehu.core.validators import FieldError


def label(model: type[models.Model], name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(str(message))

    def run(self, field: str, clean: Callable[..., Any], value: Any, **kwargs) -> Any:
        """clean(value, field=field, **kwargs), recording a FieldError instead of raising it."""
        try:
            return clean(value, field=field, **kwargs)
        except FieldError as exc:
            self.add(exc.field, exc.message)
            return None

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)
