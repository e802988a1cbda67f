"""The configuration-change audit (portal.audit): every service that changes a tenant's
configuration writes one AuditEvent with what changed, who changed it and from where, and
nobody can rewrite the rows afterwards."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import Accessory
from orders import notifications, properties
from orders.models import Notification, PropertyGroup
from portal import audit, services
from portal.exceptions import RequestInvalid
from portal.models import AuditEvent, Employee, Hierarchy
from tests import demo_data
from tests.conftest import browser_for

Action = AuditEvent.Action


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id"))


@pytest.fixture
def victor(demo) -> Employee:
    """maria's manager, at the top of acme's reporting line."""
    return demo_data.employee("victor")


@pytest.fixture
def mark(demo) -> int:
    """The last audit row before the test acted."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def reporting_line(tenant) -> Hierarchy:
    return Hierarchy.objects.get(tenant=tenant, is_default=True)


# --- Approver groups ------------------------------------------------------------------------------


def test_creating_a_group_records_it_whole(ada, ian, sam, mark):
    group = services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[sam, ian])

    [event] = new_events(mark)
    assert (event.tenant, event.actor, event.caller) == (ada.tenant, ada, None)
    assert event.action == Action.CREATED
    assert (event.target_type, event.target_id, event.target_name) == (
        "approver group",
        str(group.pk),
        "Finance",
    )
    assert event.before is None
    assert event.after == {"name": "Finance", "members": sorted([sam.full_name, ian.full_name])}


def test_updating_a_group_records_only_what_changed_under_its_old_name(ada, ian, sam, mark):
    group = services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[ian])

    services.save_group(tenant=ada.tenant, actor=ada, name="Money", members=[ian, sam], group=group)

    event = new_events(mark)[-1]
    assert event.action == Action.UPDATED
    assert event.target_name == "Finance"  # as it was named
    assert event.before == {"name": "Finance", "members": [ian.full_name]}
    assert event.after == {"name": "Money", "members": sorted([ian.full_name, sam.full_name])}


def test_saving_a_group_unchanged_records_nothing(ada, ian, mark):
    group = services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[ian])

    services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[ian], group=group)

    assert [e.action for e in new_events(mark)] == [Action.CREATED]


def test_deleting_a_group_records_what_it_was(ada, ian, mark):
    group = services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[ian])
    group_id = group.pk

    services.delete_group(group=group, actor=ada)

    event = new_events(mark)[-1]
    assert (event.action, event.target_id, event.target_name) == (
        Action.DELETED,
        str(group_id),
        "Finance",
    )
    assert event.before == {"name": "Finance", "members": [ian.full_name]}
    assert event.after is None


def test_a_refused_change_records_nothing(ada, mark):
    with pytest.raises(RequestInvalid):
        services.save_group(tenant=ada.tenant, actor=ada, name="  ", members=[])

    assert new_events(mark) == []


# --- People and delegations --------------------------------------------------------------------


def test_updating_an_employee_records_rights_status_and_managers(ada, sam, maria, victor, mark):
    line = reporting_line(ada.tenant)  # sam reports to maria

    services.update_employee(
        employee=sam, actor=ada, is_tenant_admin=True, status="ACTIVE", managers={line: victor}
    )

    [event] = new_events(mark)
    assert (event.action, event.target_type, event.target_name) == (
        Action.UPDATED,
        "employee",
        sam.full_name,
    )
    assert event.before == {"is_tenant_admin": False, "manager in Reporting line": maria.full_name}
    assert event.after == {"is_tenant_admin": True, "manager in Reporting line": victor.full_name}


def test_setting_a_manager_records_the_old_and_new_manager(ada, peter, maria, victor, mark):
    line = reporting_line(ada.tenant)

    services.set_manager(employee=peter, manager=victor, hierarchy=line, actor=ada)

    [event] = new_events(mark)
    assert (event.target_type, event.target_id) == ("employee", str(peter.pk))
    assert event.before == {"manager in Reporting line": maria.full_name}
    assert event.after == {"manager in Reporting line": victor.full_name}


def test_naming_and_ending_a_delegation_are_recorded(maria, victor, mark):
    starts, ends = datetime.date(2027, 1, 4), datetime.date(2027, 1, 8)
    delegation = services.add_delegation(
        employee=maria, delegate=victor, starts_on=starts, ends_on=ends, actor=maria
    )
    delegation_id = delegation.pk

    services.end_delegation(delegation=delegation, actor=maria)

    created, ended = new_events(mark)
    state = {
        "employee": maria.full_name,
        "delegate": victor.full_name,
        "starts_on": "2027-01-04",
        "ends_on": "2027-01-08",
    }
    assert (created.action, created.target_type, created.target_id) == (
        Action.CREATED,
        "delegation",
        str(delegation_id),
    )
    assert (created.before, created.after) == (None, state)
    assert (ended.action, ended.target_id) == (Action.DELETED, str(delegation_id))
    assert (ended.before, ended.after) == (state, None)
    assert created.target_name == f"{victor.full_name} for {maria.full_name}"
    assert created.actor == maria


# --- Order properties, catalog, notifications ---------------------------------------------------


def test_property_groups_and_fields_are_recorded(ada, mark):
    group = properties.add_property_group(
        tenant=ada.tenant, actor=ada, transaction_type="ORDER_ACCESSORIES", group_id="BILLING"
    )
    data = properties.PropertyFieldInput(field_id="COST_CENTER", label="Cost center", type="TEXT")
    field = properties.save_property_field(group=group, actor=ada, data=data)
    renamed = properties.PropertyFieldInput(
        field_id="COST_CENTER", label="Cost centre", type="TEXT", required=True
    )
    properties.save_property_field(group=group, actor=ada, data=renamed, field=field)
    properties.delete_property_field(field=field, actor=ada)
    properties.delete_property_group(group=PropertyGroup.objects.get(pk=group.pk), actor=ada)

    added, created, updated, field_deleted, group_deleted = new_events(mark)
    assert (added.target_type, added.action, added.target_name) == (
        "order property group",
        Action.CREATED,
        "BILLING (ORDER_ACCESSORIES)",
    )
    assert added.after == {"group_id": "BILLING", "transaction_type": "ORDER_ACCESSORIES"}
    assert (created.target_type, created.action) == ("order property", Action.CREATED)
    assert created.target_name == "BILLING.COST_CENTER (ORDER_ACCESSORIES)"
    assert created.after["label"] == "Cost center"
    assert created.after["validation"] == "OPTIONAL"
    assert updated.action == Action.UPDATED
    assert updated.before == {"label": "Cost center", "validation": "OPTIONAL"}
    assert updated.after == {"label": "Cost centre", "validation": "REQUIRED"}
    assert (field_deleted.action, field_deleted.before["label"]) == (Action.DELETED, "Cost centre")
    assert (group_deleted.action, group_deleted.target_id) == (Action.DELETED, str(group.pk))


def test_choice_fields_record_their_choices(ada, mark):
    group = PropertyGroup.objects.filter(tenant=ada.tenant).first()
    choices = (properties.ChoiceInput("S", "Small"), properties.ChoiceInput("L", "Large"))
    data = properties.PropertyFieldInput(
        field_id="SIZE", label="Size", type="CHOICE", choices=choices
    )

    properties.save_property_field(group=group, actor=ada, data=data)

    assert last_event().after["choices"] == ["S: Small", "L: Large"]


def test_the_catalog_offering_records_what_was_offered_before_and_after(ada, mark):
    offered = list(ada.tenant.offered_accessories.order_by("pk"))
    withdrawn, kept = offered[0], offered[1:]

    catalog_services.set_offered(
        tenant=ada.tenant, model=Accessory, ids=[a.pk for a in kept], actor=ada
    )

    [event] = new_events(mark)
    assert (event.target_type, event.target_id, event.target_name) == (
        "catalog offering",
        "Accessory",
        "Accessories offered",
    )
    assert withdrawn.name in str(event.before["offered"])
    assert withdrawn.name not in str(event.after["offered"])
    assert len(event.after["offered"]) == len(kept)


def test_the_upgrade_period_records_its_months(ada, mark):
    months = ada.tenant.upgrade_eligibility_months

    catalog_services.set_upgrade_period(ada.tenant, months + 1, ada)

    [event] = new_events(mark)
    assert (event.target_type, event.action) == ("upgrade period", Action.UPDATED)
    assert event.before == {"upgrade_eligibility_months": months}
    assert event.after == {"upgrade_eligibility_months": months + 1}


def test_notification_switches_record_the_ones_that_changed(ada, mark):
    everything = set(Notification.Event.values)

    notifications.set_notification_settings(
        tenant=ada.tenant, actor=ada, enabled=everything - {"ORDER_SHIPPED"}
    )

    [event] = new_events(mark)
    assert (event.target_type, event.action) == ("notification settings", Action.UPDATED)
    assert (event.before, event.after) == ({"ORDER_SHIPPED": True}, {"ORDER_SHIPPED": False})


# --- Where a change came from ---------------------------------------------------------------------


def test_a_change_outside_a_request_is_the_systems(ada, mark):
    services.save_group(tenant=ada.tenant, actor=ada, name="Shell", members=[])

    event = last_event()
    assert (event.channel, event.ip_address, event.client_id) == ("SYSTEM", None, "")


def test_a_change_made_on_a_page_records_the_address_and_channel(ada, mark):
    client = browser_for(ada)

    response = client.post(
        reverse("manage:group-create"),
        {"name": "Facilities"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_TNGO_CONTEXT_CORRELATIONID="corr-page",
    )

    assert response.status_code == 302
    event = last_event()
    assert (event.target_name, event.actor, event.caller) == ("Facilities", ada, None)
    assert (event.channel, event.ip_address, event.client_id) == ("PAGE", "203.0.113.7", "web")
    assert event.correlation_id == "corr-page"


def test_a_change_made_through_the_api_records_the_client_and_correlation_id(ada, api_for, mark):
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_CORRELATIONID="corr-api")

    response = client.post("approver-groups", {"name": "Legal", "memberIds": []})

    assert response.status_code == 201, response.json()
    event = last_event()
    assert (event.target_name, event.actor, event.caller) == ("Legal", ada, None)
    assert (event.channel, event.client_id) == ("API", "demo-client")
    assert (event.correlation_id, event.ip_address) == ("corr-api", "127.0.0.1")


def test_acting_for_someone_records_whom_for_and_the_real_caller(ada, maria, victor, api_for, mark):
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))

    response = client.post(
        f"employees/{maria.pk}/delegations",
        {"delegateId": str(victor.pk), "startsOn": "2027-02-01", "endsOn": "2027-02-05"},
    )

    assert response.status_code == 201, response.json()
    event = last_event()
    assert event.target_type == "delegation"
    assert (event.actor, event.caller) == (maria, ada)
    assert event.channel == "API"


def test_the_origin_ends_with_the_request(ada, api_for, mark):
    api_for(ada).post("approver-groups", {"name": "Legal", "memberIds": []})

    services.save_group(tenant=ada.tenant, actor=ada, name="After", members=[])

    assert last_event().channel == "SYSTEM"


# --- Append-only ----------------------------------------------------------------------------------


@pytest.fixture
def recorded(ada) -> AuditEvent:
    return audit.record_change(
        tenant=ada.tenant, actor=ada, action=audit.CREATED, target_type=audit.APPROVER_GROUP,
        target_id=1, target_name="Original", before=None, after={"name": "Original"},
    )  # fmt: skip


def test_audit_events_cannot_be_updated_through_the_orm(recorded):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=recorded.pk).update(target_name="Rewritten")

    assert AuditEvent.objects.get(pk=recorded.pk).target_name == "Original"


def test_audit_events_cannot_be_saved_over(recorded):
    recorded.after = {"name": "Rewritten"}

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        recorded.save()

    assert AuditEvent.objects.get(pk=recorded.pk).after == {"name": "Original"}


def test_audit_events_cannot_be_deleted_through_the_orm(recorded):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=recorded.pk).delete()

    assert AuditEvent.objects.filter(pk=recorded.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE portal_auditevent SET target_name = 'rewritten' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_audit_events_cannot_be_changed_with_raw_sql(recorded, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [recorded.pk])

    assert AuditEvent.objects.get(pk=recorded.pk).target_name == "Original"


def test_the_admin_shows_an_audit_event_without_save_or_delete(client, recorded):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "x")
    client.force_login(operator)
    change = reverse("admin:portal_auditevent_change", args=[recorded.pk])

    shown = client.get(change)
    changed = client.post(change, {"target_name": "Rewritten", "_save": "Save"})

    assert shown.status_code == 200
    assert "Original" in shown.content.decode()
    assert 'name="_save"' not in shown.content.decode()
    assert changed.status_code == 403
    assert AuditEvent.objects.get(pk=recorded.pk).target_name == "Original"


def test_an_unknown_action_is_refused(ada):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record_change(
            tenant=ada.tenant, actor=ada, action="RENAMED", target_type=audit.APPROVER_GROUP,
            target_id=1, target_name="x", before=None, after=None,
        )  # fmt: skip


def test_values_are_stored_as_json_can_hold_them(ada, maria):
    event = audit.record_change(
        tenant=ada.tenant, actor=ada, action=audit.CREATED, target_type=audit.DELEGATION,
        target_id=None, target_name="x", before=None,
        after={"on": datetime.date(2027, 3, 1), "who": maria, "ids": {3, 1}},
    )  # fmt: skip

    event.refresh_from_db()
    assert event.after == {"on": "2027-03-01", "who": maria.full_name, "ids": [1, 3]}
    assert event.target_id == ""
