"""The MobProc tutorials of the care and activation orders (tutorials/orders/suspend, unsuspend,
update_features, deactivate, order_accessories, new_activation): the copies here are the shared
pages, each tutorial's request is sent for peter's line with the demo's ids, and the
confirmation and the submitted order answer every key path of the tutorial's examples."""

from __future__ import annotations

import copy

import pytest

from catalog.models import ServiceAsset
from orders.models import PropertyChoice, PropertyField, PropertyGroup
from tests.conftest import seed_order_request
from tests.demo_data import api_id, united_states
from tests.orders.test_transaction_types import NUMBER, confirmed, order_body, peters_line
from tests.orders.tutorial_docs import copies_unlike_the_shared_pages, key_paths, tutorial_examples

TUTORIAL_TYPES = {
    "suspend": "SUSPEND",
    "unsuspend": "UNSUSPEND",
    "update_features": "UPDATE_FEATURES",
    "deactivate": "DEACTIVATE",
    "order_accessories": "ORDER_ACCESSORIES",
    "new_activation": "NEW_ACTIVATION",
}

# Paths of a tutorial's examples Procure deliberately does not answer, each with its reason.
NOT_KEPT: dict[str, set[str]] = {
    "suspend": set(),
    "unsuspend": set(),
    "update_features": set(),
    "deactivate": set(),
    "order_accessories": set(),
    "new_activation": set(),
}


@pytest.fixture(autouse=True)
def tutorial_properties(demo):
    """acme asks each care order the tutorial's MISCELLANEOUS group, as the tutorial's request
    answers it (a tenant admin's choice; the demo asks only its own groups of these types, and
    ORDER_ACCESSORIES has seed 002's MISCELLANEOUS already)."""
    for name, transaction_type in TUTORIAL_TYPES.items():
        if name == "order_accessories":
            continue
        request, confirmation = tutorial_examples(name)[:2]
        labels = {
            field["id"]: field.get("label", field["id"])
            for group in confirmation["orderConfirmation"]["properties"]
            for field in group["fields"]
        }
        group = PropertyGroup.objects.create(
            tenant=demo.acme,
            transaction_type=transaction_type,
            group_id="MISCELLANEOUS",
            position=9,
        )
        for position, asked in enumerate(request["orderRequest"]["properties"][0]["fields"]):
            field = PropertyField.objects.create(
                group=group,
                field_id=asked["id"],
                label=labels.get(asked["id"], asked["id"]),
                type=asked["type"],
                position=position,
            )
            if asked["type"] == PropertyField.Type.CHOICE:
                PropertyChoice.objects.create(
                    field=field,
                    choice_id=asked["choice"]["id"],
                    label=asked["choice"]["id"],
                    is_other="otherText" in asked["choice"],
                )


def request_for(name: str) -> dict:
    """The tutorial's request, its ids replaced by the demo's: peter's line and number, and the
    parts naming catalog rows (cart, region, ship-to) from the bodies the care tests send, with
    the demo's own property groups of the type besides the tutorial's MISCELLANEOUS
    (ORDER_ACCESSORIES: seed 002's request, whose ids are the demo's)."""
    if name == "order_accessories":
        return seed_order_request()
    if name == "unsuspend":
        # Only a suspended line can be unsuspended
        ServiceAsset.objects.filter(pk=peters_line().pk).update(
            status=ServiceAsset.Status.SUSPENDED
        )
    request = copy.deepcopy(tutorial_examples(name)[0]["orderRequest"])
    ours = order_body(TUTORIAL_TYPES[name])["orderRequest"]
    for key in ("serviceId", "regionId", "shoppingCart", "shipTo"):
        if key in request:
            request[key] = ours[key]
    for group in request["properties"]:
        for field in group["fields"]:
            if field["id"] == "SERVICE_NUMBER":
                field["text"] = NUMBER
    request["properties"] = ours.get("properties", []) + request["properties"]
    return {"orderRequest": request}


def test_the_copied_tutorials_are_the_shared_ones():
    assert copies_unlike_the_shared_pages(TUTORIAL_TYPES) == []


@pytest.mark.parametrize("name", list(TUTORIAL_TYPES))
def test_confirm_and_submit_answer_every_key_path_of_the_tutorial(peter_api, name):
    request, confirmation, order = tutorial_examples(name)
    assert request["orderRequest"]["transactionType"] == TUTORIAL_TYPES[name]
    ours = request_for(name)

    answer = confirmed(peter_api, ours)
    missing = key_paths(confirmation["orderConfirmation"]) - key_paths(answer) - NOT_KEPT[name]

    submitted = peter_api.post("orders", ours)
    assert submitted.status_code == 200, submitted.json()
    missing_order = (
        key_paths(order["order"]) - key_paths(submitted.json()["order"]) - NOT_KEPT[name]
    )
    assert not missing and not missing_order, (sorted(missing), sorted(missing_order))


@pytest.mark.parametrize("name", ["suspend", "unsuspend", "update_features"])
def test_a_care_confirmation_names_the_region_the_line_is_served_in(peter_api, name):
    # peter's line is on Verizon, a United States carrier, as the tutorials' line is
    answer = confirmed(peter_api, request_for(name))

    assert answer["region"]["id"] == api_id(united_states())
    assert answer["region"]["name"] == "United States"


def test_a_deactivation_confirmation_names_no_region(peter_api):
    # As the deactivate tutorial shows it: the line is given up, not served anywhere
    assert "region" not in confirmed(peter_api, request_for("deactivate"))
