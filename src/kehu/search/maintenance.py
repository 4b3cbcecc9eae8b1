"""The sweep check that keeps the search index compact (see ddl.merge)."""

from __future__ import annotations

from django.db import connection, transaction

from kehu.core import sweep
from kehu.search.ddl import merge


@sweep.register("search.merge", order=950)
def merge_index(now) -> int:
    with transaction.atomic():
        merge(connection)
    return 0
