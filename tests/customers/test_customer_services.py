"""customer_create / update / verify / soft delete / restore: validation, audit, versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kehu.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.customers.models import ContactMethod, Customer
from kehu.customers.services import (
    customer_create,
    customer_restore,
    customer_soft_delete,
    customer_update,
    customer_verify,
)
from tests.factories import customer_data, make_customer

pytestmark = pytest.mark.django_db


def errors_of(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


def test_create_stores_record_contacts_number_and_audit(rep, frozen_clock):
    customer = make_customer(rep, province="江苏省", city="苏州", credit_code="91350100M000100Y43",
                             budget_min="100,000", budget_max="500000")
    customer.refresh_from_db()
    assert customer.number == "2026-MFG-001"
    assert customer.industry.code == "36"
    assert customer.owner == rep and customer.team == rep.team
    assert customer.province == "江苏" and customer.macro_region == "华东"
    assert customer.budget_min == Decimal("100000.00")
    assert customer.stage == "potential" and customer.version == 1
    assert customer.name_initials.startswith("szhl")
    contact = customer.contacts.get()
    assert contact.is_primary and contact.name_pinyin == "zhangwei"
    phone = ContactMethod.objects.get(contact=contact, kind="phone")
    assert (phone.value, phone.raw, phone.digits) == ("+8613912345678", "139-1234-5678", "13912345678")
    event = AuditEvent.objects.get(action="customer.create")
    assert event.actor == rep and event.customer_id == customer.pk
    assert event.changes["name"] == [None, customer.name]
    assert AuditEvent.objects.filter(action="contact.create", customer_id=customer.pk).count() == 1


def test_colloquial_industry_is_normalised(rep):
    customer = make_customer(rep, industry="互联网公司")
    assert customer.industry.code == "64"
    assert customer.number.split("-")[1] == "ITS"


def test_individual_customer_needs_no_industry(rep):
    customer = make_customer(rep, kind="individual", name="张三", industry=None)
    assert customer.industry is None and "-PER-" in customer.number


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "  "}, "name", "is required"),
        ({"industry": None}, "industry", "is required"),
        ({"industry": "火星殖民"}, "industry", "GB/T 4754"),
        ({"first_contact_date": "15/01/2026"}, "first_contact_date", "YYYY-MM-DD"),
        ({"first_contact_date": "2999-01-01"}, "first_contact_date", "future"),
        ({"need_description": ""}, "need_description", "is required"),
        ({"source_channel": "不存在的渠道"}, "source_channel", "not a known channel"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "check character"),
        ({"employees": "很多"}, "employees", "whole number"),
        ({"founded_year": 1200}, "founded_year", "between"),
        ({"budget_min": 500, "budget_max": 100}, "budget_max", "lower end"),
        ({"ownership": "martian"}, "ownership", "must be one of"),
        ({"contacts": []}, "contacts", "at least one contact"),
        ({"contacts": [{"name": "张伟", "title": "经理", "phones": ["1391234567"]}]}, "contacts[0].phones[0]", "not a valid phone"),
        ({"contacts": [{"name": "张伟", "title": "经理", "emails": ["zhang@"]}]}, "contacts[0].emails[0]", "valid email"),
        ({"contacts": [{"name": "张伟", "title": "经理"}]}, "contacts[0].phones", "at least one way to reach"),
        ({"contacts": [{"name": "", "title": "经理", "phones": ["13912345678"]}]}, "contacts[0].name", "is required"),
        ({"contacts": [{"name": "张伟", "title": "", "phones": ["13912345678"]}]}, "contacts[0].title", "is required"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(rep, overrides, field, fragment):
    before = Customer.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_create(rep, **customer_data(**overrides))
    messages = errors_of(exc_info)
    assert field in messages, messages
    assert any(fragment in message for message in messages[field]), messages[field]
    assert Customer.objects.count() == before


def test_errors_come_in_chinese_by_default(rep):
    with pytest.raises(ValidationError) as exc_info:
        customer_create(rep, **customer_data(name="", contacts=[{"name": "张伟", "title": "经理", "phones": ["abc"]}]))
    messages = errors_of(exc_info)
    assert messages["name"] == ["客户全称为必填项。"]
    assert "电话" in messages["contacts[0].phones[0]"][0]


def test_phone_formats_accepted(rep):
    formats = ["13912345678", "139-1234-5678", "+86 139 1234 5678", "010-12345678", "１３９１２３４５６７８"]
    customer = make_customer(rep, contacts=[{"name": "李雷", "title": "总经理", "phones": formats}])
    values = list(ContactMethod.objects.filter(customer=customer, kind="phone").order_by("position").values_list("value", "raw"))
    assert [v for v, _ in values] == ["+8613912345678"] * 3 + ["+861012345678", "+8613912345678"]
    assert [r for _, r in values] == formats


def test_update_changes_fields_bumps_version_and_audits_old_to_new(rep, other_rep, frozen_clock):
    customer = make_customer(rep)
    frozen_clock.advance(hours=1)
    updated = customer_update(rep, customer.pk, version=1, short_name="恒力", employees=350)
    assert updated.version == 2 and updated.short_name == "恒力"
    event = AuditEvent.objects.get(action="customer.update")
    assert event.changes == {"short_name": ["", "恒力"], "employees": [None, 350]}
    assert event.at == frozen_clock.moment


def test_update_with_stale_version_is_a_conflict_naming_who_and_when(rep, manager, frozen_clock):
    customer = make_customer(rep)
    customer_update(manager, customer.pk, version=1, short_name="经理改的")
    with translation.override("en"), pytest.raises(ConflictError) as exc_info:
        customer_update(rep, customer.pk, version=1, short_name="我改的")
    conflict = exc_info.value
    assert conflict.current_version == 2
    with translation.override("en"):
        assert "王经理" in conflict.message and "2026-03-02 09:30" in conflict.message  # team's local time
    assert Customer.objects.get(pk=customer.pk).short_name == "经理改的"


def test_update_validates_and_keeps_record_intact(rep):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_update(rep, customer.pk, version=1, name="", credit_code="123")
    assert set(errors_of(exc_info)) == {"name", "credit_code"}
    customer.refresh_from_db()
    assert customer.version == 1 and customer.name.startswith("苏州恒力")


def test_update_without_change_writes_nothing(rep):
    customer = make_customer(rep, short_name="恒力")
    customer_update(rep, customer.pk, version=1, short_name="恒力")
    assert Customer.objects.get(pk=customer.pk).version == 1
    assert not AuditEvent.objects.filter(action="customer.update").exists()


def test_tags_and_referrer(rep, manager):
    from kehu.customers.services import tag_create

    tag_create(manager, name="价格敏感")
    referrer = make_customer(rep)
    customer = make_customer(rep, referrer=referrer.pk, referral_reason="老客户推荐", tags=["价格敏感"])
    assert customer.referrer == referrer and list(referrer.referrals.all()) == [customer]
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_update(rep, customer.pk, version=1, tags=["不存在"])
    assert "tags" in errors_of(exc_info)


def test_rep_cannot_edit_someone_elses_customer(rep, other_rep):
    customer = make_customer(rep)
    with pytest.raises(NotFound):
        customer_update(other_rep, customer.pk, version=1, short_name="x")


def test_verify_needs_a_second_person(rep, manager):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError):
        customer_verify(rep, customer.pk, version=1)
    verified = customer_verify(manager, customer.pk, version=1)
    assert verified.verified_by == manager and verified.verified_at is not None


def test_soft_delete_and_restore(rep, manager):
    customer = make_customer(rep)
    with pytest.raises(PermissionDenied):
        customer_soft_delete(rep, customer.pk, version=1)
    customer_soft_delete(manager, customer.pk, version=1, reason="重复录入")
    assert not Customer.objects.alive().filter(pk=customer.pk).exists()
    assert Customer.objects.get(pk=customer.pk).contacts.count() == 1  # nothing erased
    with pytest.raises(NotFound):
        customer_update(rep, customer.pk, version=2, short_name="x")
    restored = customer_restore(manager, customer.pk)
    assert restored.deleted_at is None and restored.version == 3
    actions = list(AuditEvent.objects.filter(customer_id=customer.pk).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["customer.delete", "customer.restore"]


def test_restore_of_live_customer_is_refused(rep, manager):
    customer = make_customer(rep)
    with pytest.raises(ValidationError):
        customer_restore(manager, customer.pk)


def test_audit_log_is_append_only(rep):
    make_customer(rep)
    event = AuditEvent.objects.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(note="x")


def test_first_contact_date_default_today_boundary(rep, frozen_clock):
    today = frozen_clock.moment.date()
    make_customer(rep, first_contact_date=today.isoformat())
    with translation.override("en"), pytest.raises(ValidationError):
        make_customer(rep, first_contact_date=(today + dt.timedelta(days=1)).isoformat())
