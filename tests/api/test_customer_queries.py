"""GET /api/v1/customers/{id}: the queries one read costs (target p95 ≤ 15 ms at 1,000,000
customers over HTTP: every round trip counts), pinned per persona, with every field still there
and scoped as before (compared with customer_out over visible_customers(), the shared path)."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch

from kehu.accounts.models import Role
from kehu.accounts.services import user_create
from kehu.core.policy import visible_customers
from kehu.customers.models import Contact, CustomerCollaborator
from kehu.customers.schemas import customer_out
from tests.api.conftest import ApiClient
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

# token (with the address's throttle state), customer (with industry and tag names), the led
# teams, contacts, their methods. A collaborator's link is one more (only when neither owner nor lead).
QUERIES = 5


@pytest.fixture
def customer(rep):
    from kehu.customers.services import contact_add, tag_create

    tag_create(None, name="重点")
    tag_create(None, name="华东")
    customer = make_customer(rep, name="苏州恒力汽车零部件有限公司", tags=["重点", "华东"], budget_min="100000",
                             needs_undisclosed=True, pain_points="交付慢")
    contact_add(rep, customer.pk, name="王芳", title="总经理", phones=["13912345679"], emails=["wf@example.com"])
    return customer


def expected(user, customer_id, fields=None):
    """What the shared path gives: the scoped queryset and customer_out."""
    row = (visible_customers(user).select_related("industry").prefetch_related(
        "tags", Prefetch("contacts", queryset=Contact.objects.prefetch_related("methods"))).get(pk=customer_id))
    return json.loads(json.dumps(customer_out(user, row, fields), cls=DjangoJSONEncoder))


@pytest.mark.parametrize("persona, extra", [("owner", 0), ("lead", 0), ("collaborator", 1), ("data_admin", 1)])
def test_one_customer_costs_a_fixed_number_of_queries(persona, extra, customer, rep, manager, other_rep,
                                                      django_assert_max_num_queries):
    data_admin = user_create(None, username="tang.data", role=Role.DATA_ADMIN)
    CustomerCollaborator.objects.create(customer=customer, user=other_rep)
    user = {"owner": rep, "lead": manager, "collaborator": other_rep, "data_admin": data_admin}[persona]
    client = ApiClient(user)
    assert client.get(f"/customers/{customer.pk}").status_code == 200  # the token's last use is written once a minute
    with django_assert_max_num_queries(QUERIES + extra):
        response = client.get(f"/customers/{customer.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body == expected(user, customer.pk)
    assert body["tags"] == ["华东", "重点"] and {c["name"] for c in body["contacts"]} == {"张伟", "王芳"}
    confidential = persona in ("owner", "lead")
    assert ("budget_min" in body) is confidential and ("pain_points" in body) is confidential
    phones = [m for c in body["contacts"] for m in c["methods"] if m["kind"] == "phone"]
    assert all(m["masked"] is (persona not in ("owner", "lead")) for m in phones)


def test_fields_and_a_customer_without_tags_or_contacts_asked(rep, django_assert_max_num_queries):
    bare = make_customer(rep, name="无锡三联精密机械有限公司")
    client = ApiClient(rep)
    client.get(f"/customers/{bare.pk}")
    with django_assert_max_num_queries(QUERIES - 2):  # no contacts, no methods
        response = client.get(f"/customers/{bare.pk}", {"fields": "name,tags,industry_code"})
    assert response.json() == {"id": bare.pk, "name": "无锡三联精密机械有限公司", "tags": [], "industry_code": "36"}


def test_what_the_caller_may_not_see_is_404_in_few_queries(customer, manager, outsider,
                                                            django_assert_max_num_queries):
    client = ApiClient(outsider)
    client.get("/users/me")
    with django_assert_max_num_queries(4):
        response = client.get(f"/customers/{customer.pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    from kehu.customers.services import customer_soft_delete

    assert ApiClient(customer.owner).get(f"/customers/{customer.pk}").status_code == 200
    customer_soft_delete(manager, customer.pk, version=customer.version, reason="重复")
    assert ApiClient(customer.owner).get(f"/customers/{customer.pk}").status_code == 404
