"""A test per documented example outside the order tutorials: each page of ../shared/mobproc-docs
with a JSON example (copied byte for byte into tests/portal/docs/, read by
tests.orders.tutorial_docs), its request sent with the demo's ids, and every key path of each
example response present in the answer, minus the page's NOT_KEPT paths (each with its reason).

Pages whose example another module already sends and checks path by path are left there; here
their transcribed examples (and requests) are held to the copied page, so a change of the page
shows in them too:

- tutorials/acknowledgements: tests/catalog/test_acknowledgements.py
  (`test_the_tutorials_request_answers_in_its_shape`, every key path, exactly);
- tutorials/addresses, tutorials/states: tests/catalog/test_regions_contract.py
  (`test_addresses_example_every_key_path_of_the_region`, the shipTo block confirmed and
  submitted, `test_states_example_every_key_path_of_the_states`);
- concepts/security/access_tokens/request_token_password, refresh_token, validate_token:
  tests/portal/test_mobproc_tokens.py (each page's request as the page sends it, parameters in
  the URL, and `assert_key_paths` of its example).

tutorials/move has tests of its own (tests/catalog/test_move_service.py) on a subset of the
example's paths; the whole example is checked here. migration/toAtlas describes another product
and is not read.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from approvals.models import Decision
from orders.models import PropertyChoice, PropertyField, PropertyGroup
from tests.conftest import seed_order_request
from tests.demo_data import api_id, cookie_plus, employee, line_of, phone_of, verizon
from tests.factories import EmployeeFactory
from tests.orders.tutorial_docs import (
    key_paths,
    page_blocks,
    page_examples,
    pages_unlike_the_shared_ones,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "concepts/errors",
    "concepts/metadata",
    "concepts/pagination",
    "concepts/security/access_tokens/request_token_password",
    "concepts/security/access_tokens/refresh_token",
    "concepts/security/access_tokens/validate_token",
    "concepts/uriparameters",
    "tutorials/acknowledgements",
    "tutorials/addresses",
    "tutorials/move",
    "tutorials/orders/approvals",
    "tutorials/properties",
    "tutorials/states",
]

# Paths of a page's examples Procure deliberately does not answer, each with its reason.
NOT_KEPT: dict[str, set[str]] = {
    "concepts/errors": set(),
    "concepts/metadata": set(),
    "concepts/pagination": set(),
    "tutorials/move": {
        # A held device's `model` is the model's name, as seed 002's confirmation and the
        # port_number tutorial's show it and every order's device reads it (the pages
        # disagree; the catalog device, with its image, is the device's record,
        # /assets/devices/{id} `catalogDeviceId`).
        "device.model.id",
        "device.model.name",
        "device.model.imageUrl",
    },
    "tutorials/orders/approvals": set(),
    "tutorials/properties": set(),
}


def missing(example, answer, page: str) -> set[str]:
    """The key paths of a page's example the answer lacks, less those the page does not keep."""
    return key_paths(example) - key_paths(answer) - NOT_KEPT[page]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_copied_pages_are_the_shared_ones():
    # Beside the project's checkout the shared docs are compared; elsewhere (a clone without
    # ../shared) nothing is, and the copies alone are read.
    assert pages_unlike_the_shared_ones(PAGES) == []
    assert all(page_blocks(page) for page in PAGES)


def test_not_kept_paths_are_paths_of_the_examples():
    # A reason for a path the page does not have would excuse nothing.
    for page, paths in NOT_KEPT.items():
        documented = set().union(set(), *(key_paths(example) for example in page_examples(page)))
        assert paths <= documented, (page, paths - documented)


# --- Pages checked elsewhere: their transcriptions are the pages' -----------------------------


def test_acknowledgements_transcription_is_the_pages():
    from tests.catalog.test_acknowledgements import TUTORIAL_PATHS

    (example,) = page_examples("tutorials/acknowledgements")
    assert key_paths(example) == {path.replace("[]", "") for path in TUTORIAL_PATHS}
    (request, _response) = page_blocks("tutorials/acknowledgements")
    assert set(query_of(request)) == {"vendor", "transactionType"}
    assert query_of(request)["transactionType"] == ["XFER_SERVICE_IN"]


def test_addresses_and_states_transcriptions_are_the_pages():
    from tests.catalog import test_regions_contract as regions

    region, ship_to = page_examples("tutorials/addresses")
    assert region == regions.ADDRESSES_REGION_EXAMPLE
    assert ship_to == regions.ADDRESSES_SHIP_TO_EXAMPLE
    assert page_examples("tutorials/states") == [regions.STATES_EXAMPLE]


class _Recorder:
    """Stands in for the test client: keeps the URL a token call would be sent to."""

    def get(self, url, **extra):
        self.url = url


@pytest.mark.parametrize(
    ("page", "example", "sent"),
    [
        (
            "concepts/security/access_tokens/request_token_password",
            "REQUEST_TOKEN_PASSWORD_EXAMPLE",
            lambda tokens: f"{tokens.TOKEN_URL}?{tokens.password_query()}",
        ),
        (
            "concepts/security/access_tokens/refresh_token",
            "REFRESH_TOKEN_EXAMPLE",
            lambda tokens: f"{tokens.TOKEN_URL}?{tokens.refresh_query('a-refresh-token')}",
        ),
        (
            "concepts/security/access_tokens/validate_token",
            "VALIDATE_TOKEN_EXAMPLE",
            lambda tokens: _validated_url(tokens),
        ),
    ],
    ids=["password", "refresh", "validate"],
)
def test_token_transcriptions_and_requests_are_the_pages(page, example, sent):
    from tests.portal import test_mobproc_tokens as tokens

    (documented,) = page_examples(page)
    assert getattr(tokens, example) == documented
    # The page's request: its path and the names (and fixed values) of its URL parameters.
    page_url = page_blocks(page)[0]
    url = sent(tokens)
    assert urlsplit(url).path == urlsplit(page_url).path == tokens.TOKEN_URL
    documented_query, sent_query = query_of(page_url), query_of(url)
    assert set(sent_query) == set(documented_query)
    for fixed in ("grant_type", "scope"):
        assert sent_query.get(fixed) == documented_query.get(fixed), fixed


def _validated_url(tokens) -> str:
    recorder = _Recorder()
    tokens.validate(recorder, "a-token")
    return recorder.url


# --- concepts/errors ---------------------------------------------------------------------------


def test_errors_example_a_missing_required_parameter(peter_api):
    (example,) = page_examples("concepts/errors")

    # /orders/properties must be told its transactionType (the page's example: a missing one).
    first = peter_api.get("orders/properties")
    second = peter_api.get("orders/properties")

    assert first.status_code == 400
    body = first.json()
    assert missing(example, body, "concepts/errors") == set()
    assert body["status"] == example["status"] == 400
    assert body["errorCode"] and body["message"]
    # "Unique string identifying the specific occurrence of the error."
    assert body["id"] != second.json()["id"]


# --- concepts/metadata and concepts/pagination ------------------------------------------------


@pytest.fixture
def seventy_two_employees(demo):
    """acme with the 72 employees of the pages' example (the demo's 6, and 66 more)."""
    from portal.models import Employee

    have = Employee.objects.filter(tenant=demo.acme).count()
    EmployeeFactory.create_batch(72 - have, tenant=demo.acme)
    assert Employee.objects.filter(tenant=demo.acme).count() == 72


def test_metadata_example_each_employee_links_its_record_devices_and_lines(
    peter_api, django_assert_max_num_queries
):
    items, _pagination = page_examples("concepts/metadata")

    with django_assert_max_num_queries(6):
        response = peter_api.get("employees")

    assert response.status_code == 200, response.json()
    answered = response.json()["employees"]["items"]
    for documented in items:
        assert missing(documented, answered, "concepts/metadata") == set()
    # Each link answers: the record, and the lists of what the employee holds.
    peter = next(item for item in answered if item["id"] == api_id(employee("peter")))
    base = "http://testserver/api/v1/"
    record = peter_api.get(peter["_meta"]["href"].removeprefix(base)).json()
    assert record["employee"]["id"] == peter["id"]
    devices = peter_api.get(peter["_meta"]["hrefDevices"].removeprefix(base)).json()
    assert [d["id"] for d in devices["devices"]["items"]] == [api_id(phone_of("peter"))]
    lines = peter_api.get(peter["_meta"]["hrefServices"].removeprefix(base)).json()
    assert [line["id"] for line in lines["services"]["items"]] == [api_id(line_of("peter"))]


@pytest.mark.parametrize("page", ["concepts/metadata", "concepts/pagination"])
def test_pagination_example_the_fourth_page_of_72_employees(
    peter_api, seventy_two_employees, django_assert_max_num_queries, page
):
    documented = page_examples(page)[-1]
    # The page's request, as its `href` gives it.
    request = urlsplit(documented["_meta"]["href"])

    # Signing the call in, the count and the page of ten: the same few whatever the page holds.
    with django_assert_max_num_queries(6):
        response = peter_api.get(f"employees?{request.query}")

    assert response.status_code == 200, response.json()
    collection = response.json()["employees"]
    assert missing(documented, collection, page) == set()
    meta, want = collection["_meta"], documented["_meta"]
    assert (meta["limit"], meta["offset"], meta["totalCount"]) == (10, 30, 72)
    assert len(collection["items"]) == 10
    for link in ("hrefStart", "hrefPrevious", "hrefNext", "hrefEnd"):
        # The same page as the example's link: its offset (0 when left out) and limit.
        sent, shown = query_of(meta[link]), query_of(want[link])
        assert sent.get("offset", ["0"]) == shown["offset"], link
        assert sent["limit"] == shown["limit"] and sent["sortAscending"] == ["true"], link


def test_pagination_the_first_page_has_no_start_or_previous(peter_api, seventy_two_employees):
    # "Returned only when the link resolves to a page other than the current page."
    meta = peter_api.get("employees?limit=10&offset=0&sortAscending=true").json()["employees"]

    assert {"hrefStart", "hrefPrevious"} & set(meta["_meta"]) == set()
    assert {"hrefNext", "hrefEnd"} <= set(meta["_meta"])


# --- concepts/uriparameters ---------------------------------------------------------------------


def test_uriparameters_example_one_device_of_the_catalog(peter_api):
    (path,) = page_blocks("concepts/uriparameters")
    collection, documented_id = path.rsplit("/", 1)
    assert (collection, documented_id) == ("/catalog/devices", "9194831760")
    device_id = api_id(cookie_plus())

    response = peter_api.get(f"{collection.lstrip('/')}/{device_id}")

    assert response.status_code == 200, response.json()
    device = response.json()["device"]
    assert device["id"] == device_id
    assert device["_meta"]["href"] == f"http://testserver/api/v1{collection}/{device_id}"


# --- tutorials/move -----------------------------------------------------------------------------


def test_move_example_every_key_path_of_the_moved_line(api_for, ada):
    body, documented = page_examples("tutorials/move")
    line, phone, sam = line_of("peter"), phone_of("peter"), employee("sam")
    assert body["moveCharges"] == "MOVE_ALL_CHARGES"
    api = api_for(ada)

    # The endpoint the page names, /assets/services/{id}/move (its step 1 writes "service").
    response = api.post(
        f"assets/services/{line.pk}/move",
        {**body, "newOwnerCompanyEmployeeId": sam.company_employee_id},
    )

    assert response.status_code == 200, response.json()
    moved = response.json()
    assert missing(documented, moved, "tutorials/move") == set()
    assert moved["employee"]["companyEmployeeId"] == sam.company_employee_id
    assert moved["device"]["id"] == api_id(phone)  # the phone goes with the line
    # The device's link is its record.
    href = moved["device"]["_meta"]["href"].removeprefix("http://testserver/api/v1/")
    assert api.get(href).json()["device"]["id"] == moved["device"]["id"]


# --- tutorials/orders/approvals -----------------------------------------------------------------


def approve(client, order_id, **body) -> dict:
    """The page's request (its body, `action` changed where asked) for the order; the answer,
    checked against the page's example response."""
    request, documented = page_examples("tutorials/orders/approvals")
    response = client.post(f"orders/{order_id}/approval", {**request, **body})
    assert response.status_code == 200, response.json()
    assert missing(documented, response.json(), "tutorials/orders/approvals") == set()
    return response.json()


@pytest.mark.parametrize(
    ("action", "status"), [("APPROVE", "APPROVAL_QUEUED"), ("REJECT", "REJECTION_QUEUED")]
)
def test_approvals_example_the_managers_decision_is_queued(
    api_for, maria, submitted_order, django_capture_on_commit_callbacks, action, status
):
    order = submitted_order()  # peter's accessories, waiting for maria

    with django_capture_on_commit_callbacks(execute=True):  # the decision applied, as a worker
        answer = approve(api_for(maria), order.pk, action=action)

    assert answer == {"status": status}
    decision = Decision.objects.get(step__run__order_id=order.pk)
    assert (decision.action, decision.decided_for) == (action, maria)
    assert decision.reason == page_examples("tutorials/orders/approvals")[0]["reason"]


def test_approvals_example_a_decided_order_needs_no_approval(
    api_for, maria, submitted_order, django_capture_on_commit_callbacks
):
    # The page: "returned when the order has already been approved (or rejected)".
    order = submitted_order()
    with django_capture_on_commit_callbacks(execute=True):
        approve(api_for(maria), order.pk)

    again = approve(api_for(maria), order.pk)

    assert again == {"status": "APPROVAL_NOT_NEEDED"}


def test_approvals_example_an_order_no_workflow_applies_to_needs_no_approval(
    api_for, maria, demo, submitted_order
):
    from approvals.models import ApprovalWorkflow

    ApprovalWorkflow.objects.filter(tenant=demo.acme).delete()  # acme asks no approvals
    order = submitted_order()

    answer = approve(api_for(maria), order.pk)

    assert answer == {"status": "APPROVAL_NOT_NEEDED"}


def test_approvals_example_an_order_not_routed_yet_is_not_ready(peter_api, api_for, maria):
    # Submitted, but its routing task has not run (it runs once the submit commits; here it
    # never does): the order has not entered AWAITING_APPROVAL.
    submitted = peter_api.post("orders", seed_order_request())
    assert submitted.status_code == 200, submitted.json()
    order_id = submitted.json()["order"]["orderId"]

    answer = approve(api_for(maria), order_id)

    assert answer == {"status": "NOT_READY_FOR_APPROVAL"}
    again = peter_api.get(f"orders/{order_id}").json()["order"]
    assert again["status"] != "AWAITING_APPROVAL"


# --- tutorials/properties -----------------------------------------------------------------------


@pytest.fixture
def the_pages_properties(demo):
    """acme asks NEW_ACTIVATION the page's MISCELLANEOUS group, as the page's example lists it
    (a tenant admin's choice; the demo asks only its own NEW_LINE group). The contact number's
    `text` is left to the server: it prefills the number the tenant knows."""
    documented, _request = page_examples("tutorials/properties")
    (shown,) = documented["properties"]["items"]
    group = PropertyGroup.objects.create(
        tenant=demo.acme, transaction_type="NEW_ACTIVATION", group_id=shown["groupId"], position=9
    )
    for position, field in enumerate(shown["fields"]):
        created = PropertyField.objects.create(
            group=group,
            field_id=field["id"],
            label=field["label"],
            type=field["type"],
            validation=field["validation"],
            min_length=field.get("minLength"),
            max_length=field.get("maxLength"),
            position=position,
        )
        for order, choice in enumerate(field.get("choices", [])):
            PropertyChoice.objects.create(
                field=created,
                choice_id=choice["id"],
                label=choice["label"],
                is_other=choice["isOther"],
                position=order,
            )
    return shown


def test_properties_example_the_pages_request_answers_every_key_path(
    peter_api, peter, the_pages_properties, django_assert_max_num_queries
):
    documented, _request = page_examples("tutorials/properties")
    # The page's request: NEW_ACTIVATION from vendor 98 (the demo's Verizon has that id).
    href = urlsplit(documented["properties"]["_meta"]["href"])
    assert query_of(href.geturl()) == {"transactionType": ["NEW_ACTIVATION"], "vendor": ["98"]}
    assert api_id(verizon()) == "98"

    with django_assert_max_num_queries(8):  # the groups, their fields and choices read at once
        response = peter_api.get(f"orders/properties?{href.query}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert missing(documented, body, "tutorials/properties") == set()
    assert body["properties"]["_meta"]["href"].endswith(f"/orders/properties?{href.query}")
    groups = {group["groupId"]: group for group in body["properties"]["items"]}
    fields = {field["id"]: field for field in groups["MISCELLANEOUS"]["fields"]}
    assert list(fields) == [field["id"] for field in the_pages_properties["fields"]]
    for shown in the_pages_properties["fields"]:
        answered = fields[shown["id"]]
        for key in ("label", "type", "validation", "minLength", "maxLength"):
            assert answered.get(key) == shown.get(key), (shown["id"], key)
    # The page prefills the contact number only, with the number the tenant knows.
    assert {key for key, field in fields.items() if "text" in field} == {"CONTACT_NUMBER"}
    assert fields["CONTACT_NUMBER"]["text"] == peter.office_phone
    assert fields["Reason"]["choices"] == [
        {"id": "19", "isOther": False, "label": "Broken Device"},
        {"id": "2", "isOther": False, "label": "Job required upgrade to data device"},
    ]


def test_properties_example_by_service_answers_every_key_path(peter_api):
    # The page's other way of naming the vendor: the line the order is for (peter's, Verizon's);
    # the demo asks ORDER_ACCESSORIES the group of seed 002, with a contact number and a choice.
    documented, _request = page_examples("tutorials/properties")
    query = {"transactionType": "ORDER_ACCESSORIES", "service": api_id(line_of("peter"))}

    response = peter_api.get("orders/properties", query)

    assert response.status_code == 200, response.json()
    assert missing(documented, response.json(), "tutorials/properties") == set()


def test_properties_example_an_other_choice_travels_with_its_text(peter_api):
    # The page's request fragment: a CHOICE answered by its "other" option, with otherText; in
    # the demo, ORDER_ACCESSORIES's REASON, whose "other" option is OTHER.
    _documented, fragment = page_examples("tutorials/properties")
    (group,) = fragment["orderRequest"]["properties"]
    contact, carrier = group["fields"]
    other = {**carrier, "id": "REASON", "choice": {**carrier["choice"], "id": "OTHER"}}
    body = seed_order_request()
    (seeds,) = body["orderRequest"]["properties"]
    seeds["fields"] = [contact, *(f for f in seeds["fields"] if f["id"] != contact["id"]), other]

    response = peter_api.post("orders?confirm=true", body)

    assert response.status_code == 200, response.json()
    (confirmed,) = response.json()["orderConfirmation"]["properties"]
    # Every key path of the page's group is in the confirmation's group.
    within = "orderRequest.properties."
    asked = {p.removeprefix(within) for p in key_paths(fragment) if p.startswith(within)}
    assert asked - key_paths(confirmed) == set()
    answered = {field["id"]: field for field in confirmed["fields"]}
    assert answered["REASON"]["choice"]["otherText"] == "Allied Cellular"
    assert answered["CONTACT_NUMBER"]["text"] == contact["text"]
