"""One-box customer search (kehu.search), used by the API and the web list's search box.

    from kehu.search import search_customers
    customers = search_customers(request.user, "zhangsan", limit=20)          # list[Customer]
    customers = search_customers(user, "恒力", limit=50, base=filtered_queryset)  # within a filtered list

What it matches (each customer once): the customer's full name and short name (Chinese
substrings too), their 拼音 and initials (`zhangsan`, `zs` → 张三), contact names with their 拼音
and initials, phone numbers by any run of digits (`5678`, `139 1234`, `+86 139…`), e-mail
addresses, the customer number and the credit code. Upper/lower case of Latin letters is ignored.

Ranking: customers with a key equal to the query first, then those with a key starting with it,
then those containing it; newest customer first within each group. Results are identical on
SQLite and PostgreSQL.

Short queries: a substring match needs a query of at least 3 characters, counting each Chinese
character as 2 ("恒力" qualifies; a single "张" only matches keys equal to or starting with 张);
a prefix match needs 2 (one Latin letter only matches a key equal to it).

Scope: only customers `user` may see (kehu.core.policy.visible_customers). `base`, when given,
must be a Customer queryset built from visible_customers(user) (e.g. the filtered web list); it
is narrowed to what the user may see again, so passing a wider one leaks nothing.

See docs/search.md for how the index is kept (database triggers) and the benchmarks.
"""

from __future__ import annotations


def search_customers(user, text: str, *, limit: int = 20, base=None) -> list:
    from kehu.search.engine import search_customers as run

    return run(user, text, limit=limit, base=base)


def search_customer_ids(user, text: str, *, limit: int = 20, base=None) -> list[int]:
    from kehu.search.engine import search_customer_ids as run

    return run(user, text, limit=limit, base=base)
