"""GET /acknowledgements (tutorials/acknowledgements): what a vendor asks the employee to read
and accept for a transaction type, as the tenant configured it; and the tenant admin page that
configures it."""

from __future__ import annotations

import pytest

from catalog import acknowledgements
from catalog.models import Acknowledgement
from portal.exceptions import NotTenantAdmin, RequestInvalid
from portal.models import AuditEvent
from tests.demo_data import api_id, employee, vendor

pytestmark = pytest.mark.django_db

ATT, VERIZON = "AT&T Wireless", "Verizon Wireless"


def key_paths(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (list items as [])."""
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= {path} | key_paths(item, path)
        return paths
    if isinstance(value, list):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in value))
    return set()


# The tutorial's example response, its key paths.
TUTORIAL_PATHS = {
    "infoblocks",
    "infoblocks[].header",
    "infoblocks[].paragraphs",
    "infoblocks[].paragraphs[].text",
    "acknowledgements",
    "acknowledgements[].id",
    "acknowledgements[].label",
    "acknowledgements[].type",
    "acknowledgements[].validation",
}


def test_the_tutorials_request_answers_in_its_shape(peter_api):
    response = peter_api.get(
        "acknowledgements", {"vendor": api_id(vendor(ATT)), "transactionType": "XFER_SERVICE_IN"}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert key_paths(body) == TUTORIAL_PATHS
    assert [b["header"] for b in body["infoblocks"]] == [
        "Family & Shared Minute Plans",
        "Authorization of Transfer",
        "Termination Fee Notice",
    ]
    assert body["infoblocks"][0]["paragraphs"][1]["text"].startswith("Before transferring")
    assert body["acknowledgements"][0] == {
        "id": "FAMILY_SHARED_MINUTE_PLAN",
        "label": (
            "I verify that the service number to be transferred is no longer on a family shared "
            "plan. This has been confirmed with my current carrier."
        ),
        "type": "BOOLEAN",
        "validation": "REQUIRED",
    }
    assert [a["id"] for a in body["acknowledgements"]] == [
        "FAMILY_SHARED_MINUTE_PLAN",
        "AUTHORIZATION_OF_TRANSFER",
        "TERMINATION_FEES",
    ]


def test_a_type_the_vendor_asks_nothing_for_answers_empty_lists(peter_api):
    response = peter_api.get(
        "acknowledgements", {"vendor": api_id(vendor(ATT)), "transactionType": "SUSPEND"}
    )

    assert response.status_code == 200
    assert response.json() == {"infoblocks": [], "acknowledgements": []}


@pytest.mark.parametrize(
    "query",
    [
        {"transactionType": "XFER_SERVICE_IN"},  # no vendor
        {"vendor": "98"},  # no type
        {"vendor": "abc", "transactionType": "XFER_SERVICE_IN"},
        {"vendor": "424242", "transactionType": "XFER_SERVICE_IN"},  # no such vendor
        {"vendor": "98", "transactionType": "XFER_EVERYTHING"},
        {},
    ],
)
def test_both_parameters_are_required_and_checked(peter_api, query):
    response = peter_api.get("acknowledgements", query)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_QUERY"


def test_each_tenant_sees_its_own_configuration(peter_api, api_for, demo):
    # Given acme no longer asks AT&T's termination fees
    Acknowledgement.objects.filter(tenant=demo.acme, ack_id="TERMINATION_FEES").delete()
    query = {"vendor": api_id(vendor(ATT)), "transactionType": "XFER_SERVICE_IN"}

    acme = [a["id"] for a in peter_api.get("acknowledgements", query).json()["acknowledgements"]]
    globex = api_for(employee("gina")).get("acknowledgements", query).json()

    assert "TERMINATION_FEES" not in acme
    assert "TERMINATION_FEES" in [a["id"] for a in globex["acknowledgements"]]


def test_the_list_runs_a_fixed_number_of_queries(peter_api, demo, django_assert_max_num_queries):
    for ack_id in [f"EXTRA_{n}" for n in range(10)]:
        Acknowledgement.objects.create(
            tenant=demo.acme, vendor=vendor(ATT), transaction_type="XFER_SERVICE_IN",
            ack_id=ack_id, label="Yes.",
        )  # fmt: skip
    query = {"vendor": api_id(vendor(ATT)), "transactionType": "XFER_SERVICE_IN"}
    # Token, tenant, application, employee; vendor; info blocks; acknowledgements.
    with django_assert_max_num_queries(9):
        response = peter_api.get("acknowledgements", query)
    assert len(response.json()["acknowledgements"]) == 13


# --- Configured by tenant admins -------------------------------------------------------------


def test_a_tenant_admin_adds_one_and_it_is_audited(demo):
    ada = employee("ada")
    ack = acknowledgements.save_acknowledgement(
        tenant=demo.acme, actor=ada, vendor_id=vendor(VERIZON).pk,
        transaction_type="XFER_SERVICE_OUT", ack_id="no_refund", label="No refunds.",
        validation="REQUIRED",
    )  # fmt: skip

    assert ack.ack_id == "NO_REFUND"
    event = AuditEvent.objects.get(target_type="acknowledgement", target_id=str(ack.pk))
    assert event.action == AuditEvent.Action.CREATED
    assert event.after["label"] == "No refunds."


def test_only_tenant_admins_configure_them(demo):
    with pytest.raises(NotTenantAdmin):
        acknowledgements.save_acknowledgement(
            tenant=demo.acme, actor=employee("peter"), vendor_id=vendor(VERIZON).pk,
            transaction_type="XFER_SERVICE_OUT", ack_id="X", label="X", validation="REQUIRED",
        )  # fmt: skip


def test_every_problem_is_listed_and_the_same_id_twice_is_refused(demo):
    ada = employee("ada")
    with pytest.raises(RequestInvalid) as bad:
        acknowledgements.save_acknowledgement(
            tenant=demo.acme, actor=ada, vendor_id="x", transaction_type="NOPE", ack_id="a b",
            label="", validation="MAYBE",
        )  # fmt: skip
    assert {p.field for p in bad.value.problems} == {
        "vendor", "transactionType", "id", "label", "validation"
    }  # fmt: skip

    with pytest.raises(RequestInvalid) as twice:
        acknowledgements.save_acknowledgement(
            tenant=demo.acme, actor=ada, vendor_id=vendor(VERIZON).pk,
            transaction_type="XFER_SERVICE_IN", ack_id="SHARED_PLAN", label="Again.",
            validation="REQUIRED",
        )  # fmt: skip
    assert [p.code for p in twice.value.problems] == ["DUPLICATE"]


def test_the_manage_page_lists_adds_and_removes_them(browser_for_ada):
    page = browser_for_ada.get("/manage/acknowledgements/")
    assert page.status_code == 200
    assert "FAMILY_SHARED_MINUTE_PLAN" in page.content.decode()

    added = browser_for_ada.post(
        "/manage/acknowledgements/",
        {"vendor": str(vendor(VERIZON).pk), "transaction_type": "XFER_SERVICE_OUT",
         "ack_id": "NO_REFUND", "label": "No refunds.", "validation": "REQUIRED",
         "position": "1"},
    )  # fmt: skip
    assert added.status_code == 302
    ack = Acknowledgement.objects.get(ack_id="NO_REFUND")

    removed = browser_for_ada.post(f"/manage/acknowledgements/{ack.pk}/delete/")
    assert removed.status_code == 302
    assert not Acknowledgement.objects.filter(ack_id="NO_REFUND").exists()


def test_the_manage_page_shows_each_problem_beside_its_input(browser_for_ada):
    response = browser_for_ada.post(
        "/manage/acknowledgements/",
        {"vendor": "", "transaction_type": "XFER_SERVICE_OUT", "ack_id": "bad id!",
         "label": "", "validation": "REQUIRED", "position": "0"},
    )  # fmt: skip

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a vendor." in html
    assert "Give the text to accept" in html


def test_the_manage_page_is_for_tenant_admins_only(web):
    assert web.get("/manage/acknowledgements/").status_code in (302, 403)


@pytest.fixture
def browser_for_ada(demo):
    from tests.conftest import browser_for

    return browser_for(employee("ada"))


def test_the_manage_page_runs_a_fixed_number_of_queries(
    browser_for_ada, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30) as few:
        assert browser_for_ada.get("/manage/acknowledgements/").status_code == 200
    for n in range(15):
        Acknowledgement.objects.create(
            tenant=demo.acme, vendor=vendor(ATT), transaction_type="XFER_SERVICE_OUT",
            ack_id=f"EXTRA_{n}", label="Yes.",
        )  # fmt: skip
    with django_assert_max_num_queries(len(few)):
        page = browser_for_ada.get("/manage/acknowledgements/")
    assert "EXTRA_14" in page.content.decode()
