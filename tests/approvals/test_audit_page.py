"""The audit trail a tenant admin reads: decisions (refused attempts too) and configuration
changes in one list, on the page (/manage/audit/), in its CSV and at GET /audit-events."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import DecisionAudit
from orders.models import Order
from portal import audit
from portal.models import AuditEvent, Employee, OAuthApplication
from tests import demo_data
from tests.approvals.conftest import assert_mobproc_error, place_order, routed
from tests.conftest import ApiClient, browser_for, issue_token

pytestmark = pytest.mark.usefixtures("vendors_unreached")

PAGE = reverse("manage:audit")


@pytest.fixture
def greta(demo) -> Employee:
    """globex's tenant admin."""
    return demo_data.employee("greta")


@pytest.fixture
def order(peter) -> Order:
    return routed(place_order(peter))


def change(employee: Employee, name: str, **fields) -> AuditEvent:
    return audit.record_change(
        tenant=employee.tenant, actor=employee, action=audit.CREATED,
        target_type=fields.pop("target_type", audit.APPROVER_GROUP), target_id=1,
        target_name=name, before=None, after={"name": name, **fields},
    )  # fmt: skip


def changes(employee: Employee, count: int) -> list[AuditEvent]:
    return [change(employee, f"Group {n}") for n in range(count)]


@pytest.fixture
def world(order, api_for, decide, maria, peter, ada, greta):
    """In acme: maria's approval, peter's refused attempt, then ada's change; in globex, one
    change of its own."""
    decide(api_for(peter), order, "APPROVE")  # refused: the maker
    decide(api_for(maria), order, "APPROVE", reason="Fine")
    refused, approved = DecisionAudit.objects.filter(order=order).order_by("id")
    group = change(ada, "Finance")
    foreign = change(greta, "Globex secret")
    return {"refused": refused, "approved": approved, "change": group, "foreign": foreign}


def key(row) -> str:
    """How the list names a row: D<id> a decision, C<id> a change."""
    return f"{'D' if isinstance(row, DecisionAudit) else 'C'}{row.pk}"


def keys(response) -> list[str]:
    """The entries a page lists, in order: D<id> a decision, C<id> a change."""
    assert response.status_code == 200
    return re.findall(r'data-entry="(\w+)"', response.content.decode())


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["peter", "maria"])
def test_only_tenant_admins_open_the_audit_page(demo, username):
    client = browser_for(demo_data.employee(username))

    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE, {"format": "csv"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_lists_decisions_and_changes_newest_first(ada, world):
    response = browser_for(ada).get(PAGE)

    assert keys(response) == [
        f"C{world['change'].pk}",
        f"D{world['approved'].pk}",
        f"D{world['refused'].pk}",
    ]
    page = response.content.decode()
    assert "Approve: refused" in page
    assert "MAKER_CANNOT_CHECK" in page
    assert "Globex secret" not in page
    assert 'href="/manage/audit/"' in page  # in the admin area's navigation


def test_the_admin_area_links_the_audit_page(ada, demo):
    page = browser_for(ada).get(reverse("manage:dashboard")).content.decode()

    assert f'href="{PAGE}"' in page


def test_another_tenants_admin_sees_only_their_own(greta, world):
    response = browser_for(greta).get(PAGE)

    assert keys(response) == [f"C{world['foreign'].pk}"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "CHANGE"}, ["change"]),
        ({"type": "DECISION"}, ["approved", "refused"]),
        ({"targetType": "order"}, ["approved", "refused"]),
        ({"targetType": "approver group"}, ["change"]),
        ({"targetType": "delegation"}, []),
    ],
)
def test_the_page_filters_by_kind_and_target(ada, world, query, expected):
    response = browser_for(ada).get(PAGE, query)

    assert keys(response) == [key(world[name]) for name in expected]


def test_the_page_filters_by_who_and_order(ada, maria, peter, world, order):
    client = browser_for(ada)

    by_maria = keys(client.get(PAGE, {"actorId": maria.pk}))
    by_peter = keys(client.get(PAGE, {"actorId": peter.pk}))
    on_order = keys(client.get(PAGE, {"orderId": f"#{order.pk}"}))
    other_order = keys(client.get(PAGE, {"orderId": order.pk + 1000}))

    assert by_maria == [f"D{world['approved'].pk}"]
    assert by_peter == [f"D{world['refused'].pk}"]
    assert on_order == [f"D{world['approved'].pk}", f"D{world['refused'].pk}"]
    assert other_order == []


def test_the_page_filters_by_date(ada):
    today = timezone.localdate()
    old = AuditEvent.objects.create(
        tenant=ada.tenant, actor=ada, channel="PAGE", action="CREATED",
        target_type=audit.APPROVER_GROUP, target_name="Old",
        created_at=timezone.now() - datetime.timedelta(days=10),
    )  # fmt: skip
    new = change(ada, "New")
    client = browser_for(ada)

    recent = keys(client.get(PAGE, {"from": today.isoformat()}))
    earlier = keys(client.get(PAGE, {"to": (today - datetime.timedelta(days=1)).isoformat()}))

    assert recent == [f"C{new.pk}"]
    assert f"C{old.pk}" in earlier and f"C{new.pk}" not in earlier


def test_a_change_shows_its_fields_before_and_after(ada, ian, sam):
    from portal import services

    group = services.save_group(tenant=ada.tenant, actor=ada, name="Finance", members=[ian])
    services.save_group(tenant=ada.tenant, actor=ada, name="Money", members=[ian, sam], group=group)

    page = browser_for(ada).get(PAGE, {"type": "CHANGE"}).content.decode()

    row = re.search(r"<th scope=\"row\">Name</th><td>Finance</td><td>Money</td>", page)
    members = f'<th scope="row">Members</th><td>{ian.full_name}</td>'
    assert row is not None
    assert members in page


def test_bad_filters_are_shown_on_the_form_not_a_500(ada, world):
    response = browser_for(ada).get(PAGE, {"from": "yesterday", "orderId": "abc", "type": "X"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Give a date as YYYY-MM-DD." in page
    assert "Give a number (digits only)." in page
    assert "Choose DECISION or CHANGE." in page
    assert keys(response) == []
    assert 'value="yesterday"' in page


def test_an_empty_trail_says_what_will_appear(greta):
    page = browser_for(greta).get(PAGE).content.decode()

    assert "Nothing has been recorded yet." in page


def test_no_match_offers_to_clear_the_filters(ada, world):
    page = browser_for(ada).get(PAGE, {"targetType": "delegation"}).content.decode()

    assert "Nothing matches these filters." in page
    assert "Clear the filters" in page


def test_the_page_is_paginated(ada):
    made = changes(ada, 55)
    client = browser_for(ada)

    first = keys(client.get(PAGE, {"type": "CHANGE"}))
    second = keys(client.get(PAGE, {"type": "CHANGE", "page": 2}))

    assert len(first) == 50
    assert first[0] == f"C{made[-1].pk}"
    assert second == [f"C{e.pk}" for e in reversed(made[:5])]
    assert "type=CHANGE&amp;page=2" in client.get(PAGE, {"type": "CHANGE"}).content.decode()


def test_the_page_reads_a_constant_number_of_queries(
    ada, order, api_for, decide, maria, django_assert_max_num_queries
):
    client = browser_for(ada)
    changes(ada, 3)
    decide(api_for(maria), order, "APPROVE")
    client.get(PAGE)
    with django_assert_max_num_queries(20) as few:
        client.get(PAGE)

    changes(ada, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(keys(client.get(PAGE))) == 34


# --- The CSV --------------------------------------------------------------------------------------


def test_the_csv_holds_exactly_the_filtered_rows(ada, world):
    client = browser_for(ada)

    everything = csv_rows(client.get(PAGE, {"format": "csv"}))
    decisions = csv_rows(client.get(PAGE, {"format": "csv", "type": "DECISION"}))

    assert [(r["type"], r["id"]) for r in everything] == [
        ("CHANGE", str(world["change"].pk)),
        ("DECISION", str(world["approved"].pk)),
        ("DECISION", str(world["refused"].pk)),
    ]
    assert [r["id"] for r in decisions] == [str(world["approved"].pk), str(world["refused"].pk)]
    refused = decisions[1]
    assert (refused["outcome"], refused["refusal_code"]) == ("REFUSED", "MAKER_CANNOT_CHECK")
    assert refused["channel"] == "API"
    assert everything[0]["after"] == '{"name": "Finance"}'
    assert "Globex secret" not in str(everything)


def test_the_page_links_the_csv_of_its_filters(ada, world):
    page = browser_for(ada).get(PAGE, {"type": "CHANGE"}).content.decode()

    assert 'href="/manage/audit/?type=CHANGE&amp;format=csv"' in page


def test_the_csv_streams_a_long_trail_in_batches(ada):
    from approvals import audit as trail

    changes(ada, trail.STREAM_BATCH + 20)
    client = browser_for(ada)

    rows = csv_rows(client.get(PAGE, {"format": "csv", "type": "CHANGE"}))

    assert len(rows) == trail.STREAM_BATCH + 20


def test_a_spreadsheet_formula_in_a_name_is_quoted_in_the_csv(ada):
    change(ada, "=HYPERLINK(1)")

    [row] = csv_rows(browser_for(ada).get(PAGE, {"format": "csv", "type": "CHANGE"}))

    assert row["target_name"] == "'=HYPERLINK(1)"


def test_a_bad_filter_refuses_the_csv(ada):
    response = browser_for(ada).get(PAGE, {"format": "csv", "to": "soon"})

    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


# --- The API --------------------------------------------------------------------------------------


def items(response) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    return body["auditEvents"]["items"]


def test_the_api_lists_the_trail_for_tenant_admins(ada, api_for, world, maria):
    listed = items(api_for(ada).get("audit-events"))

    assert [i["id"] for i in listed] == [
        f"C{world['change'].pk}",
        f"D{world['approved'].pk}",
        f"D{world['refused'].pk}",
    ]
    group, approved, refused = listed
    assert group["type"] == "CHANGE"
    assert group["action"] == "CREATED"
    assert group["target"] == {"type": "approver group", "id": "1", "name": "Finance"}
    assert (group["before"], group["after"]) == (None, {"name": "Finance"})
    assert group["actor"] == {"id": str(ada.pk), "name": ada.full_name}
    assert group["outcome"] is None and group["orderId"] is None
    assert approved["type"] == "DECISION"
    assert (approved["action"], approved["outcome"]) == ("APPROVE", "APPROVAL_QUEUED")
    assert approved["actor"] == {"id": str(maria.pk), "name": maria.full_name}
    assert approved["target"]["type"] == "order"
    assert approved["orderId"] == str(world["approved"].order_id)
    assert (approved["channel"], approved["clientId"]) == ("API", "demo-client")
    assert approved["ipAddress"] == "127.0.0.1"
    assert refused["outcome"] == "REFUSED"
    assert refused["refusalCode"] == "MAKER_CANNOT_CHECK"
    assert set(group) >= {
        "id", "type", "dateTime", "actor", "caller", "action", "outcome", "target", "before",
        "after", "ipAddress", "clientId", "correlationId", "channel", "orderId",
    }  # fmt: skip


@pytest.mark.parametrize("username", ["peter", "maria"])
def test_the_api_refuses_non_admins(demo, api_for, username):
    response = api_for(demo_data.employee(username)).get("audit-events")

    assert_mobproc_error(response, 403)


@pytest.mark.parametrize(("username", "status"), [("peter", 403), ("ada", 200)])
def test_a_client_credentials_token_reads_as_the_employee_it_names(demo, username, status):
    application = OAuthApplication.objects.get(tenant=demo.acme)
    named = demo_data.employee(username)
    client = ApiClient(
        token=issue_token(None, application),
        tenant="acme",
        client_id=application.client_id,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(named.pk),
    )

    assert client.get("audit-events").status_code == status


def test_the_api_never_shows_another_tenants_trail(greta, api_for, world):
    listed = items(api_for(greta).get("audit-events"))

    assert [i["id"] for i in listed] == [f"C{world['foreign'].pk}"]


def test_the_api_filters_as_the_page_does(ada, maria, api_for, world, order):
    client = api_for(ada)

    def ids(**query):
        return [i["id"] for i in items(client.get("audit-events", query))]

    assert ids(type="CHANGE") == [f"C{world['change'].pk}"]
    assert ids(type="DECISION", actorId=maria.pk) == [f"D{world['approved'].pk}"]
    assert ids(targetType="approver group") == [f"C{world['change'].pk}"]
    assert ids(orderId=order.pk) == [f"D{world['approved'].pk}", f"D{world['refused'].pk}"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert ids(**{"from": tomorrow}) == []


def test_the_api_refuses_a_filter_it_does_not_understand(ada, api_for):
    response = api_for(ada).get("audit-events", {"from": "2026-13-01", "type": "ALL"})

    assert_mobproc_error(response, 400, "INVALID_QUERY")
    assert "from" in response.json()["message"] and "type" in response.json()["message"]


def test_the_api_pages_with_limit_and_offset(ada, api_for):
    made = changes(ada, 7)
    client = api_for(ada)

    body = client.get("audit-events", {"limit": 3, "offset": 3}).json()["auditEvents"]

    assert [i["id"] for i in body["items"]] == [f"C{e.pk}" for e in reversed(made[1:4])]
    meta = body["_meta"]
    assert (meta["limit"], meta["offset"], meta["totalCount"]) == (3, 3, 7)
    assert "offset=6" in meta["hrefNext"]


def test_the_api_reads_a_constant_number_of_queries(ada, api_for, django_assert_max_num_queries):
    client = api_for(ada)
    changes(ada, 3)
    client.get("audit-events")  # the first call validates the token, later ones find it kept
    with django_assert_max_num_queries(20) as few:
        assert len(items(client.get("audit-events"))) == 3

    changes(ada, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(items(client.get("audit-events", {"limit": 50}))) == 33


def test_the_api_is_in_the_schema(client, demo):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/audit-events"]["get"]
    assert operation["operationId"] == "audit_events_list"
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"type", "targetType", "actorId", "from", "to", "orderId", "limit", "offset"}
