"""POST /assets/services/{id}/move (tutorials/move): a tenant admin, or a manager of the line's
holder, gives the line (and the device on it) to another employee, with the charges asked
recorded; and the line page's form that does the same."""

from __future__ import annotations

import pytest

from catalog import permissions
from catalog.models import DeviceAsset, ServiceAsset
from portal.models import AuditEvent
from tests.demo_data import api_id, employee, line_of

pytestmark = pytest.mark.django_db

# The tutorial's response, its key paths that these tests read (every key path of it:
# tests/portal/test_documented_examples.py).
MOVE_PATHS = {
    "_meta", "_meta.href", "id", "serviceNumber", "status", "contractDates",
    "contractDates.start", "contractDates.end", "contractDates.activated",
    "contractDates.lastDeviceUpgrade", "plan", "plan.name", "vendor", "vendor.id",
    "vendor.name", "vendor.logoUrl", "device", "device.id", "device.serialNumber",
    "device.serialNumber.type", "device.serialNumber.value", "employee", "employee.id",
    "employee.companyEmployeeId", "employee.firstName", "employee.lastName", "employee.status",
    "employee.department", "employee.department.id", "employee.department.name",
    "employee.email", "orderActions",
}  # fmt: skip


def key_paths(value, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= {path} | key_paths(item, path)
        return paths
    if isinstance(value, list):
        return set().union(set(), *(key_paths(item, f"{prefix}[]") for item in value))
    return set()


def move(client, line, **body):
    return client.post(f"assets/services/{line.pk}/move", body)


def test_a_tenant_admin_moves_peters_line_to_sam_with_all_charges(api_for, ada):
    line, sam = line_of("peter"), employee("sam")

    response = move(
        api_for(ada), line, newOwnerCompanyEmployeeId=sam.company_employee_id,
        moveCharges="MOVE_ALL_CHARGES",
    )  # fmt: skip

    assert response.status_code == 200, response.json()
    body = response.json()
    assert key_paths(body) >= MOVE_PATHS
    assert body["id"] == api_id(line)
    assert body["employee"]["companyEmployeeId"] == sam.company_employee_id
    assert body["accountHolder"]["id"] == api_id(sam)
    line.refresh_from_db()
    assert line.account_holder == sam
    assert DeviceAsset.objects.get(service=line).holder == sam  # the phone goes with it
    event = AuditEvent.objects.get(target_type="service assignment", target_id=str(line.pk))
    assert event.before["holder"] == "Peter Edwards"
    assert event.after["holder"] == "Sam Okafor"
    assert event.after["moveCharges"] == "MOVE_ALL_CHARGES"
    assert event.actor == ada


def test_peters_manager_moves_his_line_by_employee_id(api_for, maria):
    line, sam = line_of("peter"), employee("sam")

    response = move(
        api_for(maria), line, newOwnerEmployeeId=api_id(sam), moveCharges="MOVE_NO_CHARGES"
    )

    assert response.status_code == 200, response.json()
    assert ServiceAsset.objects.get(pk=line.pk).account_holder == sam


def test_a_holder_may_not_move_his_own_line(peter_api, peter):
    line = line_of("peter")

    response = move(
        peter_api, line, newOwnerEmployeeId=api_id(employee("sam")),
        moveCharges="MOVE_NO_CHARGES",
    )  # fmt: skip

    assert response.status_code == 403
    assert ServiceAsset.objects.get(pk=line.pk).account_holder == peter
    assert permissions.can_move_service(peter, line) is False


def test_another_tenants_line_or_an_unknown_one_is_not_found(api_for, ada):
    for pk in (line_of("gina").pk, 999999999):
        response = api_for(ada).post(
            f"assets/services/{pk}/move",
            {"newOwnerEmployeeId": api_id(employee("sam")), "moveCharges": "MOVE_NO_CHARGES"},
        )
        assert response.status_code == 404, pk
    assert line_of("gina").account_holder == employee("gina")


def problems(response) -> list[tuple[str, str]]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    return [(e["field"], e["errorCode"]) for e in body["errors"]]


def test_an_unknown_or_other_tenants_new_owner_is_refused_at_its_field(api_for, ada):
    api, line = api_for(ada), line_of("peter")

    assert problems(
        move(api, line, newOwnerEmployeeId="424242", moveCharges="MOVE_NO_CHARGES")
    ) == [("newOwnerEmployeeId", "NOT_FOUND")]
    gina = employee("gina")
    assert problems(
        move(api, line, newOwnerCompanyEmployeeId=gina.company_employee_id,
             moveCharges="MOVE_NO_CHARGES")
    ) == [("newOwnerCompanyEmployeeId", "NOT_FOUND")]  # fmt: skip
    assert line_of("peter").account_holder == employee("peter")


def test_the_same_owner_and_bad_bodies_are_refused(api_for, ada, peter):
    api, line = api_for(ada), line_of("peter")

    assert problems(
        move(api, line, newOwnerEmployeeId=api_id(peter), moveCharges="MOVE_NO_CHARGES")
    ) == [("newOwnerEmployeeId", "SAME_OWNER")]
    assert set(problems(move(api, line, moveCharges="MOVE_SOME"))) == {
        ("newOwnerEmployeeId", "REQUIRED"),
        ("moveCharges", "INVALID_VALUE"),
    }
    assert problems(move(api, line, newOwnerEmployeeId="abc", moveCharges="MOVE_NO_CHARGES")) == [
        ("newOwnerEmployeeId", "INVALID_VALUE")
    ]


def test_an_inactive_new_owner_is_refused(api_for, ada):
    sam = employee("sam")
    sam.status = sam.Status.INACTIVE
    sam.save(update_fields=["status"])

    response = move(
        api_for(ada), line_of("peter"), newOwnerEmployeeId=api_id(sam),
        moveCharges="MOVE_NO_CHARGES",
    )  # fmt: skip
    assert problems(response) == [("newOwnerEmployeeId", "NOT_ACTIVE")]


def test_an_open_order_on_the_line_stands_in_the_way(api_for, ada, submitted_order):
    order = submitted_order()  # peter's accessories for his line, submitted
    line = line_of("peter")
    assert order.service_id == line.pk

    response = move(
        api_for(ada), line, newOwnerEmployeeId=api_id(employee("sam")),
        moveCharges="MOVE_NO_CHARGES",
    )  # fmt: skip

    assert problems(response) == [("id", "CONFLICTING_ORDER")]
    assert f"#{order.pk}" in response.json()["errors"][0]["message"]
    assert line_of("peter").account_holder == employee("peter")
    assert not AuditEvent.objects.filter(target_type="service assignment").exists()


# --- The line page's form ---------------------------------------------------------------------


def test_the_line_page_offers_the_move_to_an_admin_and_it_moves_the_line(ada):
    from tests.conftest import browser_for

    client, line, sam = browser_for(ada), line_of("peter"), employee("sam")
    page = client.get(f"/lines/{line.pk}/").content.decode()
    assert "Move to another employee" in page

    response = client.post(
        f"/lines/{line.pk}/move/", {"new_owner": str(sam.pk), "move_charges": "MOVE_NO_CHARGES"}
    )

    assert response.status_code == 302
    assert ServiceAsset.objects.get(pk=line.pk).account_holder == sam


def test_the_line_page_shows_the_moves_problem_beside_its_input(ada, peter):
    from tests.conftest import browser_for

    client, line = browser_for(ada), line_of("peter")

    response = client.post(
        f"/lines/{line.pk}/move/", {"new_owner": str(peter.pk), "move_charges": "MOVE_NO_CHARGES"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('data-field="newOwnerEmployeeId"')
    assert "holds this line already" in html[start : html.index("</div>\n", start) + 200]


def test_the_holder_is_not_offered_the_move(web):
    line = line_of("peter")
    assert "Move to another employee" not in web.get(f"/lines/{line.pk}/").content.decode()
    assert web.post(f"/lines/{line.pk}/move/", {"new_owner": "1"}).status_code == 403
