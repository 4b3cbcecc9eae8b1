"""Building test data through the real services (no fixture dumps)."""

from __future__ import annotations

import itertools

from kehu.customers.models import Channel

_counter = itertools.count(1)


def channel(name: str = "行业展会") -> Channel:
    from kehu.customers.services import channel_create

    existing = Channel.objects.filter(name=name).first()
    return existing or channel_create(None, name=name, tool="展位登记表")


def customer_data(**overrides):
    n = next(_counter)
    data = {
        "name": f"苏州恒力汽车零部件有限公司{n}",
        "industry": "36",
        "first_contact_date": "2026-01-15",
        "need_description": "需要一套能追踪订单交付的系统",
        "source_channel": channel().pk,
        "contacts": [{"name": "张伟", "title": "采购经理", "phones": ["139-1234-5678"], "emails": ["zhangwei@example.com"]}],
    }
    data.update(overrides)
    return data


def make_customer(actor, **overrides):
    from kehu.customers.services import customer_create

    return customer_create(actor, **customer_data(**overrides))
