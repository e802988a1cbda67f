"""The MobProc tutorials of the two orders that describe devices, UPGRADE and SWAP_DEVICES
(tutorials/orders/upgrade, tutorials/orders/swap_devices): their requests, sent as the pages
show them (a maker and a model by name) with the demo's ids, are accepted, and the confirmation
and the order answer every key path of the tutorials' examples; then each form of naming a
device the tutorials use, and each refusal of one."""

from __future__ import annotations

import copy

import pytest

from catalog.models import DeviceAsset, Manufacturer
from orders.models import Order, PropertyField, PropertyGroup
from tests.demo_data import (
    api_id,
    business_10gb,
    cookie_plus,
    hotspot_10gb,
    iphone_15,
    line_of,
    phone_of,
    united_states,
)
from tests.factories import DeviceFactory
from tests.orders.test_transaction_types import confirmed, problems, serial, text
from tests.orders.test_transfers import NOT_KEPT
from tests.orders.tutorial_docs import copies_unlike_the_shared_pages, key_paths, tutorial_examples

TYPES = ["UPGRADE", "SWAP_DEVICES"]
TUTORIAL_FILES = {"UPGRADE": "upgrade", "SWAP_DEVICES": "swap_devices"}
ESN = "4289183847832"  # peter's Cookie Plus, on his line 2035557676
SIM = "83924758342478392342"
NEW_IMEI = "123456789001230"  # the swap tutorial's new device: nobody's yet
R = "orderRequest"


def examples(transaction_type: str) -> list[dict]:
    return tutorial_examples(TUTORIAL_FILES[transaction_type])


def bodies() -> dict[str, dict]:
    """Each tutorial's request for peter's line, the demo's rows named as the tutorial names
    them: the maker and the model by name ("LG", "Cookie Plus")."""
    return {
        # His Cookie Plus for an iPhone 15 (729.00), on Business 10 GB (30.00) with its hotspot
        # (5.00); the demo asks an upgrade's reason and the new device's colour.
        "UPGRADE": {
            "externalOrderNumber": "12345678",
            "transactionType": "UPGRADE",
            "serviceId": api_id(line_of("peter")),
            "existingDevice": {
                "manufacturerId": "LG",
                "modelId": "Cookie Plus",
                "serialNumber": {"type": "ESN", "value": ESN},
                "simId": SIM,
            },
            "shoppingCart": {
                "deviceId": api_id(iphone_15()),
                "planId": api_id(business_10gb()),
                "optionalFeatureIds": [api_id(hotspot_10gb())],
            },
            "properties": [
                {
                    "groupId": "UPGRADE",
                    "fields": [
                        text("DEVICE_COLOR", "Black"),
                        {"id": "REASON", "type": "CHOICE", "choice": {"id": "ELIGIBLE"}},
                    ],
                }
            ],
            "shipTo": {
                "name": "Peter Edwards",
                "regionId": api_id(united_states()),
                "address": [
                    {"id": "LINE_1", "value": "35 Executive Blvd"},
                    {"id": "CITY", "value": "Orange"},
                    {"id": "STATE", "value": "CT"},
                    {"id": "POSTAL_CODE", "value": "06477"},
                ],
                "expedite": True,
            },
        },
        # His line from the Cookie Plus to an iPhone 15 of his own; the tutorial's properties
        # (tutorial_properties below).
        "SWAP_DEVICES": {
            "externalOrderNumber": "AZ99087547-001",
            "transactionType": "SWAP_DEVICES",
            "serviceId": api_id(line_of("peter")),
            "newDevice": {
                "manufacturerId": "Apple",
                "modelId": "iPhone 15",
                "otherMakeModelName": "",
                "serialNumber": {"type": "IMEI", "value": NEW_IMEI},
            },
            "existingDevice": {
                "manufacturerId": "LG",
                "modelId": "Cookie Plus",
                "otherMakeModelName": "",
                "serialNumber": {"type": "ESN", "value": ESN},
                "simId": SIM,
            },
            "properties": [
                {
                    "groupId": "MISCELLANEOUS",
                    "fields": [
                        text("CONTACT_NUMBER", "2035559999"),
                        text(
                            "ADDITIONAL_INSTRUCTIONS", "Please confirm serial number for new device"
                        ),
                        text("SERVICE_NUMBER", "2035557676"),
                        text("PREFERRED_AREA_CODE", "203"),
                    ],
                }
            ],
        },
    }


def body(transaction_type: str, **devices) -> dict:
    """The tutorial's request; `existingDevice=` / `newDevice=` parts replaced."""
    request = copy.deepcopy(bodies()[transaction_type])
    for key, changes in devices.items():
        request[key] = {**request[key], **changes}
    return {R: request}


@pytest.fixture(autouse=True)
def tutorial_properties(demo):
    """acme asks a swap the swap tutorial's MISCELLANEOUS group (a tenant admin's choice)."""
    group = PropertyGroup.objects.create(
        tenant=demo.acme, transaction_type="SWAP_DEVICES", group_id="MISCELLANEOUS", position=1
    )
    for position, (field_id, label) in enumerate(
        [
            ("CONTACT_NUMBER", "Contact Phone Number"),
            ("ADDITIONAL_INSTRUCTIONS", "Additional Instructions"),
            ("SERVICE_NUMBER", "Service Number"),
            ("PREFERRED_AREA_CODE", "Preferred Area Code"),
        ]
    ):
        PropertyField.objects.create(
            group=group,
            field_id=field_id,
            label=label,
            type=PropertyField.Type.TEXT,
            validation=PropertyField.Validation.OPTIONAL,
            position=position,
        )


# --- The tutorials' examples: every key path present ---------------------------------------------


def test_the_copied_tutorials_are_the_shared_ones():
    assert copies_unlike_the_shared_pages(TUTORIAL_FILES.values()) == []


@pytest.mark.parametrize("transaction_type", TYPES)
def test_confirm_and_submit_answer_every_key_path_of_the_tutorials(peter_api, transaction_type):
    request, confirmation, order = examples(transaction_type)
    ours = body(transaction_type)
    # Our request names every part the tutorial's does (ids are the demo's)
    assert key_paths(request[R]) <= key_paths(ours[R])

    answer = confirmed(peter_api, ours)
    missing = key_paths(confirmation["orderConfirmation"]) - key_paths(answer) - NOT_KEPT
    assert not missing, sorted(missing)

    submitted = peter_api.post("orders", ours)
    assert submitted.status_code == 200, submitted.json()
    missing = key_paths(order["order"]) - key_paths(submitted.json()["order"])
    assert not missing, sorted(missing)
    shown = peter_api.get(f"orders/{submitted.json()['order']['orderId']}").json()["order"]
    assert key_paths(submitted.json()["order"]) <= key_paths(shown) | {
        "orderSegments.items.shipments"
    }


# --- Naming a device: catalog ids, or names as the tutorials give them ----------------------------


@pytest.mark.parametrize(
    "maker,model",
    [("LG", "Cookie Plus"), ("lg", "COOKIE PLUS"), ("LG", None), (None, "Cookie Plus")],
    ids=["names", "names-any-case", "maker-only", "model-only"],
)
def test_the_existing_device_may_be_named_by_name(peter_api, maker, model):
    described = {"manufacturerId": maker, "modelId": model or api_id(cookie_plus())}

    answer = confirmed(peter_api, body("UPGRADE", existingDevice=described))

    # Then it is resolved to the catalog's LG Cookie Plus and shown as the tutorial shows it
    shown = answer["existingDevice"]
    assert shown["manufacturer"]["id"] == "LG"
    assert shown["manufacturer"]["_meta"]["href"].endswith("/manufacturers/LG")
    assert (shown["model"]["id"], shown["model"]["name"]) == ("Cookie Plus", "Cookie Plus")
    assert shown["model"]["_meta"]["href"].endswith("/manufacturers/LG/models/Cookie%20Plus")
    # and the flat ids stay, the model's as the catalog's id
    assert (shown["manufacturerId"], shown["modelId"]) == ("LG", api_id(cookie_plus()))
    assert shown["serialNumber"] == serial(ESN, "ESN")


def test_a_model_href_of_an_order_leads_to_the_model(peter_api):
    answer = confirmed(peter_api, body("SWAP_DEVICES"))

    href = answer["newDevice"]["model"]["_meta"]["href"]
    model = peter_api.get(href.split("/api/v1/", 1)[1])
    assert model.status_code == 200, model.json()
    assert model.json()["model"]["name"] == "iPhone 15"
    assert answer["newDevice"]["modelId"] == api_id(iphone_15())


def test_the_swap_tutorials_other_make_is_a_phone_the_catalog_lacks(peter_api):
    # Given peter's line is on his own Acme StarPhone 2000, a model the catalog does not have
    DeviceAsset.objects.filter(pk=phone_of("peter").pk).update(
        device=None,
        manufacturer=Manufacturer.objects.get(pk=Manufacturer.OTHER),
        other_make_model="Acme StarPhone 2000",
        serial_number_type="IMEI",
        serial_number="012345678901007",
    )
    request, _confirmation, _order = examples("SWAP_DEVICES")
    existing = request[R]["existingDevice"]  # the tutorial's, as it is

    answer = confirmed(peter_api, body("SWAP_DEVICES", existingDevice=existing))

    shown = answer["existingDevice"]
    assert shown["manufacturer"]["id"] == "Other"
    assert (shown["model"]["id"], shown["otherMakeModelName"]) == ("Other", "Acme StarPhone 2000")
    assert shown["simId"] == "89 91 10 1200 00 320451 3"
    # The order keeps the device as described
    submitted = peter_api.post("orders", body("SWAP_DEVICES", existingDevice=existing))
    assert submitted.status_code == 200, submitted.json()
    order = Order.objects.get(pk=submitted.json()["order"]["orderId"])
    assert order.details["existingDevice"]["otherMakeModelName"] == "Acme StarPhone 2000"
    assert submitted.json()["order"]["existingDevice"]["model"]["id"] == "Other"


def test_a_new_device_the_catalog_lacks_is_shown_as_the_catalogs_other_model(peter_api):
    new = {"manufacturerId": "Apple", "modelId": "Other", "otherMakeModelName": "iPhone 12"}

    shown = confirmed(peter_api, body("SWAP_DEVICES", newDevice=new))["newDevice"]

    assert shown["manufacturer"]["id"] == "Apple"
    assert (shown["model"]["id"], shown["modelId"]) == ("Other", None)
    assert shown["otherMakeModelName"] == "iPhone 12"


# --- Refusals -------------------------------------------------------------------------------------


def test_an_unknown_maker_or_model_name_is_refused_at_its_field(peter_api):
    response = peter_api.post(
        "orders?confirm=true",
        body(
            "SWAP_DEVICES",
            existingDevice={"manufacturerId": "Nokla"},
            newDevice={"modelId": "iPhone 99"},
        ),
    )

    # Then both are said at once, each at its field
    assert sorted(problems(response)) == [
        (f"{R}.existingDevice.manufacturerId", "NOT_FOUND"),
        (f"{R}.newDevice.modelId", "NOT_FOUND"),
    ]
    messages = sorted(error["message"] for error in response.json()["errors"])
    assert messages == [
        "Device model iPhone 99 is not in the catalog.",
        "Manufacturer Nokla does not exist.",
    ]


def test_a_model_name_is_looked_up_in_the_tenants_catalog_only(peter_api, demo):
    # Given a Pixel 9 that globex offers and acme neither offers nor holds
    DeviceFactory(
        manufacturer=Manufacturer.objects.get(pk="Apple"), model="Pixel 9", offered_to=[demo.globex]
    )

    response = peter_api.post(
        "orders?confirm=true", body("SWAP_DEVICES", newDevice={"modelId": "Pixel 9"})
    )

    assert problems(response) == [(f"{R}.newDevice.modelId", "NOT_FOUND")]


def test_a_model_named_with_another_maker_is_refused(peter_api):
    response = peter_api.post(
        "orders?confirm=true",
        body("SWAP_DEVICES", newDevice={"manufacturerId": "LG", "modelId": "iPhone 15"}),
    )

    assert problems(response) == [(f"{R}.newDevice.modelId", "NOT_COMPATIBLE")]


@pytest.mark.parametrize(
    "described",
    [
        {"manufacturerId": "Apple", "modelId": "iPhone 15"},
        {"manufacturerId": "Other", "modelId": "Other", "otherMakeModelName": "Acme StarPhone"},
    ],
    ids=["another-catalog-model", "other-for-a-catalog-model"],
)
def test_an_existing_device_named_as_another_model_is_not_the_lines(peter_api, described):
    response = peter_api.post("orders?confirm=true", body("UPGRADE", existingDevice=described))

    assert problems(response) == [(f"{R}.existingDevice.modelId", "DEVICE_MISMATCH")]


def test_any_catalog_row_of_the_lines_model_names_its_device(peter_api):
    # Given the catalog lists the Cookie Plus a second time (another carrier's row)
    other_row = DeviceFactory(manufacturer=cookie_plus().manufacturer, model="Cookie Plus")

    described = {"manufacturerId": "LG", "modelId": api_id(other_row)}
    shown = confirmed(peter_api, body("UPGRADE", existingDevice=described))["existingDevice"]

    assert shown["model"]["name"] == "Cookie Plus"
