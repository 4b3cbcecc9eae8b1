"""The audit log page for managers (R32, R35): filter by user, customer, action and days; keyset
pages (never a count of the log); export of the filtered log to Excel or CSV, the export itself
written to the log. Everything is read through kehu.core.audit_queries, which scopes a team lead
to the teams they lead and masks what the reader may not see."""

from __future__ import annotations

import io
import tempfile

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core import clock
from kehu.core.audit_queries import (
    ACCESS_ACTION_LABELS,
    audit_page,
    export_audit_csv,
    export_audit_xlsx,
    parse_audit_filters,
)
from kehu.core.errors import ValidationError
from kehu.core.policy import may_read_audit, visible_customers
from kehu.followup.queries import ACTION_LABELS, labelled_changes
from kehu.web.access import access_of, error_dict, web_view
from kehu.web.timeline import readable_changes

PAGE = 50
FILTERS = ("actor", "customer", "action", "since", "until")
# Whole families of events, offered above the single actions.
PREFIXES = (
    ("customer.", gettext_lazy("All customer events")),
    ("contact.", gettext_lazy("All contact events")),
    ("user.", gettext_lazy("All account events")),
    ("export.", gettext_lazy("All exports")),
)


def _require_reader(request) -> None:
    if not may_read_audit(access_of(request)):
        raise PermissionDenied


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action) or ACCESS_ACTION_LABELS.get(action)
    return _(label) if label else action


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    single = sorted({**ACTION_LABELS, **ACCESS_ACTION_LABELS})
    return [
        (_("Groups"), [(value, str(text)) for value, text in PREFIXES]),
        (_("Actions"), [(value, action_label(value)) for value in single]),
    ]


def people(access) -> list:
    """Whose events the reader may filter by: the members of the teams they lead and themselves
    (the org admin: everyone, deactivated users included — they are in the log too)."""
    rows = get_user_model().objects.all()
    if not access.is_org_admin:
        rows = rows.filter(Q(team_id__in=sorted(access.led_team_ids)) | Q(pk=access.pk))
    return list(rows.order_by("display_name", "username")[:500])


def _params(request, source) -> tuple[dict, dict]:
    """The filters as audit_queries reads them, and field errors of our own (a customer number
    that names no customer the reader may see)."""
    raw = {name: (source.get(name) or "").strip() for name in FILTERS}
    params = dict(raw)
    errors: dict[str, list[str]] = {}
    number = raw["customer"]
    if number:
        found = (visible_customers(access_of(request), include_deleted=True).filter(number=number)
                 .values_list("pk", flat=True).first())
        if found is None:
            errors["customer"] = [_("No customer you can see has the number %(number)s.") % {"number": number}]
            params["customer"] = ""
        else:
            params["customer"] = str(found)
    try:
        parse_audit_filters(params)
    except ValidationError as exc:
        errors = error_dict(exc) | errors
    return raw, params | {"_errors": errors}


def _rows(events) -> list[dict]:
    return [{
        "event": event, "label": action_label(event.action),
        "changes": readable_changes(labelled_changes(event.action, event.changes, show_amounts=True), show_phones=True),
    } for event in events]


@web_view
def audit_log(request):
    _require_reader(request)
    raw, params = _params(request, request.GET)
    errors = params.pop("_errors")
    page, status = None, 200
    if not errors:
        try:
            page = audit_page(access_of(request), params, cursor=request.GET.get("cursor") or None, limit=PAGE)
        except ValidationError as exc:
            errors = error_dict(exc)
    if errors:
        status = 422
    context = {
        "filters": raw, "errors": errors, "rows": _rows(page.items) if page else [],
        "next_cursor": page.next_cursor if page else None, "paged": bool(request.GET.get("cursor")),
        "people": people(access_of(request)), "actions": action_choices(),
    }
    return render(request, "web/audit/log.html", context, status=status)


@web_view
@require_POST
def audit_export(request):
    """The filtered log as a download (POST: an export is written to the log, so no link may
    trigger it). Excel by default, CSV on request."""
    _require_reader(request)
    raw, params = _params(request, request.POST)
    errors = params.pop("_errors")
    kind = "csv" if request.POST.get("format") == "csv" else "xlsx"
    if errors:
        return _invalid(request, raw, errors)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        if kind == "csv":
            text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
            export_audit_csv(access_of(request), params, text)
            text.detach()
        else:
            export_audit_xlsx(access_of(request), params, buffer)
    except ValidationError as exc:
        buffer.close()
        return _invalid(request, raw, error_dict(exc))
    buffer.seek(0)
    content_type = ("text/csv; charset=utf-8" if kind == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return FileResponse(buffer, as_attachment=True, filename=f"kehu-audit-{stamp}.{kind}", content_type=content_type)


def _invalid(request, raw, errors):
    context = {"filters": raw, "errors": errors, "rows": [], "next_cursor": None, "paged": False,
               "people": people(access_of(request)), "actions": action_choices()}
    return render(request, "web/audit/log.html", context, status=422)
