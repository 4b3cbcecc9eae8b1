"""Customer numbers (R4): the pattern, its scopes, and uniqueness under concurrent creation."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.core import numbering
from kehu.core.models import Setting
from kehu.customers.models import Customer
from tests.factories import make_customer
from tests.procs import start_python

D = dt.date(2024, 5, 6)


@pytest.mark.parametrize(
    ("pattern", "seq", "expected"),
    [
        ("{year}-{industry}-{seq:3}", 1, "2024-MFG-001"),
        ("{year}-{industry}-{seq:3}", 1234, "2024-MFG-1234"),
        ("C{date}{seq:4}", 7, "C202405060007"),
        ("CUST{seq:3}", 1, "CUST001"),
        ("{yy}{month}{day}-{seq}", 12, "240506-12"),
    ],
)
def test_render(pattern, seq, expected):
    assert numbering.render(pattern, on=D, industry="MFG", seq=seq) == expected


@pytest.mark.parametrize("pattern", ["{year}-{industry}", "{year}-{colour}-{seq}"])
def test_bad_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        numbering.validate_pattern(pattern)


@pytest.mark.django_db
def test_scopes_restart_per_industry_and_follow_the_pattern(rep, frozen_clock):
    assert make_customer(rep).number == "2026-MFG-001"
    assert make_customer(rep).number == "2026-MFG-002"
    assert make_customer(rep, industry="64").number == "2026-ITS-001"
    Setting.objects.create(key="customer_number_pattern", value="CUST{seq:3}")
    assert make_customer(rep).number == "CUST001"


@pytest.mark.django_db
def test_taken_numbers_are_skipped_after_a_pattern_change(rep, frozen_clock):
    Setting.objects.create(key="customer_number_pattern", value="CUST{seq:3}")
    make_customer(rep)
    make_customer(rep)
    # A reset counter (e.g. restored from an older backup) must not hand out CUST001 again.
    from kehu.core.models import Sequence

    Sequence.objects.filter(key="customer:CUST{seq}").update(value=0)
    assert make_customer(rep).number == "CUST003"


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_when_several_processes_create_at_once(rep):
    from tests.factories import channel

    channel_id = channel().pk
    code = f"""
from kehu.customers.services import customer_create
for i in range(8):
    customer_create(None, name=f"并发客户{{i}}", industry="36", first_contact_date="2026-01-02",
                    need_description="测试", source_channel={channel_id},
                    contacts=[{{"name": "张三", "title": "经理", "phones": ["13912345678"]}}])
print("ok")
"""
    workers = [start_python(code) for _ in range(4)]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    numbers = list(Customer.objects.values_list("number", flat=True))
    assert len(numbers) == 32 == len(set(numbers))
    sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert sequences == list(range(1, 33))
