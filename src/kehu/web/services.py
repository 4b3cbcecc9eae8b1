"""Writes the web pages make that belong to no domain app: saved views and the user's language.

`industry_phrase_add` / `industry_phrase_remove` are reference-data writes that belong beside the
channel and tag services in kehu.customers.services.reference; they live here until moved there.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import ValidationError
from kehu.core.policy import may_manage_reference_data, require
from kehu.core.validators import normalise_text
from kehu.customers.cleaning import clean_text, resolve_industry
from kehu.customers.models import IndustryPhrase
from kehu.web.models import SavedView

MAX_SAVED_VIEWS = 50
# Paging and partial-render parameters are not part of a view.
NOT_SAVED = {"cursor", "page", "csrfmiddlewaretoken"}


def clean_view_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k not in NOT_SAVED]
    return urlencode(pairs)[:1000]


@transaction.atomic
def saved_view_create(actor, *, name: str, query: str) -> SavedView:
    errors = Errors()
    name = clean_text(name, model=SavedView, field="name", errors=errors)
    if not name:
        errors.add("name", _("%(label)s is required.") % {"label": label(SavedView, "name")})
    elif SavedView.objects.filter(user=actor, name=name).exists():
        errors.add("name", _("You already have a view named %(name)s.") % {"name": name})
    elif SavedView.objects.filter(user=actor).count() >= MAX_SAVED_VIEWS:
        errors.add("name", _("You can keep at most %(count)d views; delete one first.") % {"count": MAX_SAVED_VIEWS})
    errors.raise_if_any()
    return SavedView.objects.create(user=actor, name=name, query=clean_view_query(query), created_at=clock.now())


@transaction.atomic
def saved_view_delete(actor, view_id: int) -> None:
    SavedView.objects.filter(user=actor, pk=view_id).delete()


@transaction.atomic
def user_set_language(actor, *, language: str):
    supported = {code for code, _name in settings.LANGUAGES}
    if language not in supported:
        raise ValidationError({"language": [_("Language must be one of: %(choices)s.") % {"choices": ", ".join(sorted(supported))}]})
    if actor.language != language:
        old = actor.language
        actor.language = language
        get_user_model().objects.filter(pk=actor.pk).update(language=language)
        audit.record(actor, "user.language", actor, changes={"language": [old, language]})
    return actor


@transaction.atomic
def industry_phrase_add(actor, *, phrase: str, industry) -> IndustryPhrase:
    """Map the words a team types ("互联网公司") to a GB/T 4754 industry (R3)."""
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage industry phrases."))
    errors = Errors()
    phrase = normalise_text(phrase or "")
    if not phrase:
        errors.add("phrase", _("%(label)s is required.") % {"label": label(IndustryPhrase, "phrase")})
    elif len(phrase) > 100:
        errors.add("phrase", _("%(label)s is too long: at most %(max)d characters (%(count)d given).")
                   % {"label": label(IndustryPhrase, "phrase"), "max": 100, "count": len(phrase)})
    elif IndustryPhrase.objects.filter(phrase=phrase).exists():
        errors.add("phrase", _("The phrase %(phrase)s is already mapped.") % {"phrase": phrase})
    found = resolve_industry(industry, errors=errors) if industry not in (None, "") else None
    if found is None and "industry" not in errors.by_field:
        errors.add("industry", _("%(label)s is required.") % {"label": label(IndustryPhrase, "industry")})
    errors.raise_if_any()
    row = IndustryPhrase.objects.create(phrase=phrase, industry=found)
    audit.record(actor, "industry_phrase.create", row, changes={"phrase": [None, phrase], "industry": [None, found.code]})
    return row


@transaction.atomic
def industry_phrase_remove(actor, phrase_id: int) -> None:
    require(may_manage_reference_data(actor), _("Only a data admin or a manager may manage industry phrases."))
    row = IndustryPhrase.objects.filter(pk=phrase_id).first()
    if row is None:
        return
    audit.record(actor, "industry_phrase.delete", row, changes={"phrase": [row.phrase, None]})
    row.delete()
