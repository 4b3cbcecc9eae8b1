"""The customers list: one search box, filters, sortable columns, keyset pages, saved views, bulk actions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core.errors import ValidationError
from kehu.core.policy import visible_customers
from kehu.customers.models import Stage
from kehu.customers.queries import DUE_CHOICES, CustomerFilters, list_querysets, paginate, parse_filters
from kehu.customfields.models import CustomField, FieldKind, Target
from kehu.web import choices
from kehu.search import search_customers
from kehu.web.access import access_of, error_dict, web_view
from kehu.web.models import SavedView
from kehu.web.services import saved_view_create, saved_view_delete
from kehu.web.views.customer_admin import may_manage_customers

PAGE_SIZE = 50
SEARCH_MORE = 200  # the most a search shows (kehu.search's limit)
SORTABLE = [
    ("number", gettext_lazy("Number")),
    ("name", gettext_lazy("Name")),
    ("next_follow_up_at", gettext_lazy("Next follow-up")),
    ("last_interaction_at", gettext_lazy("Last interaction")),
    ("updated_at", gettext_lazy("Updated")),
]
DUE_LABELS = {
    "overdue": gettext_lazy("Overdue"), "today": gettext_lazy("Due today"),
    "week": gettext_lazy("Due within 7 days"), "none": gettext_lazy("No follow-up planned"),
}
GRADES = ("A", "B", "C")


def _sort_links(current: str) -> list[dict]:
    column, descending = current.lstrip("-"), current.startswith("-")
    out = []
    for name, text in SORTABLE:
        active = name == column
        next_sort = (name if descending else f"-{name}") if active else name
        out.append({"name": name, "label": text, "next": next_sort,
                    "aria": ("descending" if descending else "ascending") if active else ""})
    return out


def _custom_fields() -> tuple[list[CustomField], list[CustomField]]:
    rows = list(CustomField.objects.active().for_target(Target.CUSTOMER).order_by("position", "id"))
    return [f for f in rows if f.show_in_list], [f for f in rows if f.filterable]


def list_context(request) -> dict:
    """Everything the list and its results partial need, in a fixed number of queries."""
    access, params = access_of(request), request.GET
    errors: dict[str, list[str]] = {}
    try:
        filters = parse_filters(params)
    except ValidationError as exc:
        errors.update(error_dict(exc))
        filters = CustomerFilters()
    query = params.get("q", "").strip()
    sort = params.get("sort") or "-id"
    columns, filterable = _custom_fields()
    limit = SEARCH_MORE if params.get("more") == "1" else PAGE_SIZE
    next_cursor, more_results = None, False
    try:
        queryset, branches = list_querysets(access, filters)
        if query:
            # Ranked (exact, prefix, substring), so no keyset pages: the best matches, then "more".
            customers = search_customers(access, query, limit=limit + 1, base=queryset)
            more_results = len(customers) > limit
            customers = customers[:limit]
        else:
            page = paginate(queryset.select_related("owner", "industry"), sort=sort, cursor=params.get("cursor"),
                            limit=PAGE_SIZE, user=access, filters=filters, branches=branches)
            customers, next_cursor = page.items, page.next_cursor
    except ValidationError as exc:
        errors.update(error_dict(exc))
        sort = "-id"
        page = paginate(visible_customers(access).select_related("owner", "industry"), sort=sort, limit=PAGE_SIZE,
                        user=access)
        customers, next_cursor = page.items, page.next_cursor
    prefetch_related_objects(customers, "tags")
    return {
        "customers": customers, "next_cursor": next_cursor, "more_results": more_results and limit < SEARCH_MORE,
        "filters": filters, "q": query, "sort": sort, "errors": errors, "sort_links": _sort_links(sort),
        "custom_columns": columns, "custom_filters": filterable, "is_first_page": not params.get("cursor"),
        "bulk_owner_allowed": bulk_owner_allowed(access), "tags": choices.tag_options(),
        "people": choices.people_for(request.user),
    }


def bulk_owner_allowed(access) -> bool:
    """Handover is for team leads and the org admin (R34); the service checks each customer."""
    return access.is_org_admin or access.is_team_lead


@web_view
def customer_list(request):
    context = list_context(request)
    if request.htmx and request.htmx.target == "results":
        return render(request, "web/customers/_results.html", context)
    user = request.user
    context.update({
        "stages": Stage.choices,
        "industry_groups": choices.industry_groups(),
        "channels": choices.channel_options(include_inactive=True),
        "teams": choices.team_options(user),
        "regions": choices.region_options(),
        "due_choices": [(key, DUE_LABELS[key]) for key in DUE_CHOICES],
        "grades": GRADES,
        "saved_views": list(SavedView.objects.filter(user=user)),
        "current_query": request.GET.urlencode(),
        "kind_choice": FieldKind.CHOICE, "kind_multi": FieldKind.MULTI_CHOICE,
        "may_export": access_of(request).may_export(),
        "may_manage_customers": may_manage_customers(access_of(request)),
    })
    return render(request, "web/customers/list.html", context)


@web_view
@require_POST
def saved_view_save(request):
    try:
        view = saved_view_create(request.user, name=request.POST.get("name", ""), query=request.POST.get("query", ""))
    except ValidationError as exc:
        for messages_ in error_dict(exc).values():
            for message in messages_:
                messages.error(request, message)
        return HttpResponseRedirect(reverse("web:customer_list") + "?" + request.POST.get("query", ""))
    messages.success(request, _("View \"%(name)s\" saved.") % {"name": view.name})
    return HttpResponseRedirect(reverse("web:customer_list") + ("?" + view.query if view.query else ""))


@web_view
@require_POST
def saved_view_remove(request, pk: int):
    saved_view_delete(request.user, pk)
    return HttpResponseRedirect(reverse("web:customer_list"))
