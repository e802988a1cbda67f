"""MobProc 1.1.0-1.3.1 on the assets: `updated` on device and service assets, the
`dateTimeUpdated` filter (on or after), the UPDATED_DATE sort with `sortAscending`, and on
/assets/devices `includeServiceDetails` / `includeUpgradeEligibleDate`; `canMoveService` on
/me (catalog.rules.may_move_service)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog import rules
from catalog.models import DeviceAsset, ServiceAsset
from tests.demo_data import line_of, phone_of
from tests.factories import DeviceAssetFactory, EmployeeFactory, ServiceAssetFactory

pytestmark = pytest.mark.django_db


def items(response, plural: str) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    return body[plural]["items"]


def assert_invalid_query(response) -> None:
    body = response.json()
    assert response.status_code == 400, body
    assert body["errorCode"] == "INVALID_QUERY", body


def stamp(rows, when) -> None:
    """Set rows' last change (auto_now would set it to now on save)."""
    type(rows[0]).objects.filter(pk__in=[r.pk for r in rows]).update(updated_at=when)


@pytest.mark.parametrize(
    "path,plural", [("assets/services", "services"), ("assets/devices", "devices")]
)
def test_assets_show_when_they_last_changed(api_for, ada, path, plural):
    rows = items(api_for(ada).get(path), plural)
    assert rows and all(parse_datetime(row["updated"]) for row in rows)


def test_updated_moves_when_the_line_changes(api_for, ada, peter):
    line = line_of(peter)
    stamp([line], timezone.now() - timedelta(days=30))
    before = api_for(ada).get(f"assets/services/{line.pk}").json()["service"]["updated"]
    line.contract_end = timezone.now() + timedelta(days=365)
    line.save()
    after = api_for(ada).get(f"assets/services/{line.pk}").json()["service"]["updated"]
    assert parse_datetime(after) > parse_datetime(before)


def test_updated_moves_when_the_device_changes(api_for, ada, peter):
    phone = phone_of(peter)
    stamp([phone], timezone.now() - timedelta(days=30))
    before = api_for(ada).get(f"assets/devices/{phone.pk}").json()["device"]["updated"]
    phone.sim_id = "8901260000000000001"
    phone.save()
    after = api_for(ada).get(f"assets/devices/{phone.pk}").json()["device"]["updated"]
    assert parse_datetime(after) > parse_datetime(before)


@pytest.mark.parametrize("model,path,plural", [
    (ServiceAsset, "assets/services", "services"),
    (DeviceAsset, "assets/devices", "devices"),
])  # fmt: skip
def test_date_time_updated_keeps_what_changed_on_or_after(api_for, ada, model, path, plural):
    rows = list(model.objects.filter(tenant=ada.tenant).order_by("pk"))
    assert len(rows) >= 2
    cut = timezone.now() - timedelta(days=10)
    stamp(rows, cut - timedelta(days=5))
    stamp(rows[:1], cut)  # exactly at the time asked: kept
    shown = items(api_for(ada).get(path, {"dateTimeUpdated": cut.isoformat()}), plural)
    assert [int(row["id"]) for row in shown] == [rows[0].pk]


@pytest.mark.parametrize("model,path,plural", [
    (ServiceAsset, "assets/services", "services"),
    (DeviceAsset, "assets/devices", "devices"),
])  # fmt: skip
def test_sort_by_updated_date_newest_first_or_ascending(api_for, ada, model, path, plural):
    rows = list(model.objects.filter(tenant=ada.tenant).order_by("pk"))
    now = timezone.now()
    for age, row in enumerate(rows):  # the first row changed last
        stamp([row], now - timedelta(hours=age))
    api = api_for(ada)
    newest = [int(r["id"]) for r in items(api.get(path, {"sort": "UPDATED_DATE"}), plural)]
    assert newest == [row.pk for row in rows]
    oldest = items(api.get(path, {"sort": "UPDATED_DATE", "sortAscending": "TRUE"}), plural)
    assert [int(r["id"]) for r in oldest] == [row.pk for row in reversed(rows)]


@pytest.mark.parametrize("path", ["assets/services", "assets/devices"])
@pytest.mark.parametrize("query", [
    {"dateTimeUpdated": "yesterday"},
    {"sort": "NAME"},
    {"sort": "UPDATED_DATE", "sortAscending": "maybe"},
])  # fmt: skip
def test_bad_filter_or_sort_values_are_refused(api_for, ada, path, query):
    assert_invalid_query(api_for(ada).get(path, query))


def test_include_service_details_adds_the_line_in_full(api_for, peter):
    phone = phone_of(peter)
    api = api_for(peter)
    plain = items(api.get("assets/devices"), "devices")
    assert all("service" not in row for row in plain)
    detailed = items(api.get("assets/devices", {"includeServiceDetails": "true"}), "devices")
    row = next(r for r in detailed if int(r["id"]) == phone.pk)
    line = api.get(f"assets/services/{phone.service_id}").json()["service"]
    assert row["service"] == line
    assert "upgradeEligibleDate" not in row["service"]


def test_upgrade_eligible_date_needs_both_flags(api_for, peter):
    phone = phone_of(peter)
    api = api_for(peter)
    alone = items(api.get("assets/devices", {"includeUpgradeEligibleDate": "true"}), "devices")
    assert all("service" not in row for row in alone)
    both = items(
        api.get(
            "assets/devices", {"includeServiceDetails": "true", "includeUpgradeEligibleDate": "1"}
        ),
        "devices",
    )
    row = next(r for r in both if int(r["id"]) == phone.pk)
    expected = phone.service.upgrade_eligibility_date
    shown = row["service"]["upgradeEligibleDate"]
    assert (parse_datetime(shown) if shown else None) == expected


def test_a_device_on_no_line_has_a_null_service(api_for, peter):
    spare = DeviceAssetFactory(holder=peter)
    rows = items(api_for(peter).get("assets/devices", {"includeServiceDetails": "yes"}), "devices")
    assert next(r for r in rows if int(r["id"]) == spare.pk)["service"] is None


@pytest.mark.parametrize("flag", ["includeServiceDetails", "includeUpgradeEligibleDate"])
def test_include_flags_refuse_other_values(api_for, peter, flag):
    assert_invalid_query(api_for(peter).get("assets/devices", {flag: "sometimes"}))


@pytest.mark.parametrize("query", [
    {},
    {"includeServiceDetails": "true", "includeUpgradeEligibleDate": "true"},
    {"sort": "UPDATED_DATE", "dateTimeUpdated": "2000-01-01T00:00:00Z"},
])  # fmt: skip
def test_device_list_queries_do_not_grow_with_its_rows(
    api_for, ada, django_assert_max_num_queries, query
):
    def add_lines(count: int) -> None:
        for _ in range(count):
            holder = EmployeeFactory(tenant=ada.tenant)
            DeviceAssetFactory(holder=holder, service=ServiceAssetFactory(account_holder=holder))

    api = api_for(ada)
    add_lines(3)
    with CaptureQueriesContext(connection) as few:
        assert len(items(api.get("assets/devices", {**query, "limit": 100}), "devices")) >= 3
    add_lines(27)
    with django_assert_max_num_queries(len(few)):
        assert len(items(api.get("assets/devices", {**query, "limit": 100}), "devices")) >= 30


def test_can_move_service_for_admins_and_managers_of_line_holders(api_for, ada, maria, peter):
    assert api_for(ada).get("me").json()["canMoveService"] is True
    assert rules.may_move_service(maria) is True  # Peter, who holds a line, reports to her
    assert api_for(maria).get("me").json()["canMoveService"] is True
    assert api_for(peter).get("me").json()["canMoveService"] is False


def test_an_inactive_admin_may_not_move_a_line(ada):
    ada.status = ada.Status.INACTIVE
    assert rules.may_move_service(ada) is False


def test_a_narrow_save_moves_updated_too(peter):
    line = line_of(peter)
    stamp([line], timezone.now() - timedelta(days=30))
    line.status = ServiceAsset.Status.SUSPENDED
    line.save(update_fields=["status"])  # as catalog.services saves a status
    line.refresh_from_db()
    assert timezone.now() - line.updated_at < timedelta(minutes=1)


def test_existing_lines_start_from_their_last_known_change(peter, sam):
    from django.apps import apps

    migration = importlib.import_module("catalog.migrations.0007_asset_updated_at")
    upgraded, fresh = line_of(peter), line_of(sam)
    when = datetime(2024, 3, 1, tzinfo=UTC)
    ServiceAsset.objects.filter(pk=upgraded.pk).update(last_device_upgrade=when)
    ServiceAsset.objects.filter(pk=fresh.pk).update(
        last_device_upgrade=None, contract_start=None, activated_at=None
    )
    before = ServiceAsset.objects.get(pk=fresh.pk).updated_at
    migration.assets_updated_when_last_known(apps, None)
    assert ServiceAsset.objects.get(pk=upgraded.pk).updated_at == when
    assert DeviceAsset.objects.get(service=upgraded).updated_at == when
    assert ServiceAsset.objects.get(pk=fresh.pk).updated_at == before  # nothing better known


def test_sorted_service_list_queries_do_not_grow_with_its_rows(
    api_for, ada, django_assert_max_num_queries
):
    query = {"sort": "UPDATED_DATE", "dateTimeUpdated": "2000-01-01T00:00:00Z", "limit": 100}
    api = api_for(ada)
    ServiceAssetFactory.create_batch(3, account_holder=EmployeeFactory(tenant=ada.tenant))
    with CaptureQueriesContext(connection) as few:
        assert len(items(api.get("assets/services", query), "services")) >= 3
    ServiceAssetFactory.create_batch(27, account_holder=EmployeeFactory(tenant=ada.tenant))
    with django_assert_max_num_queries(len(few)):
        assert len(items(api.get("assets/services", query), "services")) >= 30
