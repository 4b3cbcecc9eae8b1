"""The customers export from the list (R35, R44): the current filters and search as Excel or CSV.
What goes into the file, and its audit record, is kehu.web.export's; this view only checks the
right, turns bad filters into the list's error display and hands the file over."""

from __future__ import annotations

import io
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_POST

from kehu.core import clock
from kehu.core.errors import ValidationError
from kehu.web.access import access_of, error_dict, web_view
from kehu.web.export import export_customers

SPOOL = 8 * 1024 * 1024  # past this the file waits on disk, not in memory


@web_view
@require_POST
def customer_export(request):
    """POST (an export is written to the audit log, so no link or prefetch may start one); the
    filters come as the list's query string in `query`."""
    access = access_of(request)
    if not access.may_export():
        raise PermissionDenied
    query = request.POST.get("query", "")
    params = QueryDict(query)
    kind = "csv" if request.POST.get("format") == "csv" else "xlsx"
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        if kind == "csv":
            text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
            export_customers(access, params, text, kind="csv")
            text.detach()
        else:
            export_customers(access, params, buffer, kind="xlsx")
    except ValidationError as exc:
        buffer.close()
        for texts in error_dict(exc).values():
            for text in texts:
                messages.error(request, text)
        return HttpResponseRedirect(reverse("web:customer_list") + (f"?{query}" if query else ""))
    buffer.seek(0)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    content_type = ("text/csv; charset=utf-8" if kind == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return FileResponse(buffer, as_attachment=True, filename=f"kehu-customers-{stamp}.{kind}", content_type=content_type)
