"""Optimistic locking across processes: of several edits of the same version exactly one wins."""

from __future__ import annotations

import pytest

from kehu.customers.models import Customer
from tests.factories import make_customer
from tests.procs import start_python


@pytest.mark.django_db(transaction=True)
def test_only_one_of_concurrent_edits_of_a_version_wins(rep):
    customer = make_customer(rep)
    code = f"""
import os
from kehu.accounts.models import User
from kehu.core.errors import ConflictError
from kehu.customers.services import customer_update
try:
    customer_update(User.objects.get(pk={rep.pk}), {customer.pk}, version=1, short_name=str(os.getpid()))
    print("won")
except ConflictError as exc:
    print("conflict", exc.current_version)
"""
    workers = [start_python(code) for _ in range(4)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append(out.strip())
    assert sorted(outputs) == ["conflict 2", "conflict 2", "conflict 2", "won"]
    customer.refresh_from_db()
    assert customer.version == 2
