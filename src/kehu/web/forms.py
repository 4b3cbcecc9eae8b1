"""Form fields for the templates, built from the models' labels and choices.

The services do all validation; these only describe what to render (label, input type, value,
choices) and attach the service's field-named errors to the field they belong to. Input names are
the services' error keys (`name`, `contacts[0].phones[1]`, `custom_data.budget`), so an error
lands next to its field without any mapping table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from django.db import models
from django.utils.text import capfirst

_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")


@dataclass
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text textarea select checkbox multi number decimal date datetime email tel password search
    value: Any = ""
    required: bool = False
    help: str = ""
    groups: list = field(default_factory=list)  # [(group label or "", [(value, text)])] for selects
    choices: list = field(default_factory=list)  # [(value, text)] for "multi"
    values: list = field(default_factory=list)  # chosen values of a "multi"
    errors: list = field(default_factory=list)
    wide: bool = False
    attrs: dict = field(default_factory=dict)
    no_blank: bool = False
    blank_label: str = ""
    rows: int = 3

    @property
    def id(self) -> str:
        return "f-" + _ID_UNSAFE.sub("-", self.name).strip("-")

    @property
    def input_type(self) -> str:
        return {"decimal": "text", "datetime": "datetime-local"}.get(self.kind, self.kind)

    def __post_init__(self) -> None:
        if self.kind == "decimal":
            self.attrs.setdefault("inputmode", "decimal")
        if self.kind == "number":
            self.attrs.setdefault("inputmode", "numeric")


def model_label(model: type[models.Model], name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _kind_of(model_field: models.Field) -> str:
    if model_field.choices:
        return "select"
    if isinstance(model_field, models.TextField):
        return "textarea"
    if isinstance(model_field, models.BooleanField):
        return "checkbox"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField):
        return "decimal"
    if isinstance(model_field, (models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField)):
        return "number"
    if isinstance(model_field, models.EmailField):
        return "email"
    return "text"


def model_field(model: type[models.Model], name: str, values: dict, errors: dict, *, prefix: str = "",
                **overrides: Any) -> FieldSpec:
    """A FieldSpec for model field `name`; the input is called prefix+name, as the service's error key."""
    model_field_ = model._meta.get_field(name)
    full = f"{prefix}{name}"
    spec = FieldSpec(name=full, label=model_label(model, name), kind=_kind_of(model_field_),
                     value=values.get(full, ""), errors=list(errors.get(full, [])))
    if spec.kind == "select":
        spec.groups = [("", [(key, str(text)) for key, text in model_field_.choices])]
    if spec.kind == "text" and getattr(model_field_, "max_length", None):
        spec.attrs["maxlength"] = model_field_.max_length
    if model_field_.help_text:
        spec.help = str(model_field_.help_text)
    for key, value in overrides.items():
        setattr(spec, key, value)
    return spec


def options(rows: Iterable[tuple[Any, str]]) -> list:
    return [("", [(value, str(text)) for value, text in rows])]


def form_values(instance: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """Initial input values from a saved object, in the strings the inputs show."""
    out: dict[str, Any] = {}
    for name in names:
        model_field_ = instance._meta.get_field(name)
        value = getattr(instance, model_field_.attname)
        if value is None:
            value = ""
        elif hasattr(value, "isoformat") and not isinstance(value, str):
            value = value.isoformat()[:10]
        out[name] = value
    return out


def nonfield_errors(errors: dict, known: Iterable[str]) -> list[str]:
    """Messages whose key belongs to no rendered field (shown at the top, never lost)."""
    known = set(known)
    return [message for key, messages in errors.items() if key not in known for message in messages]
