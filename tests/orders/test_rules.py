"""What a line allows now, and why not (orders.rules): each rule on its own, and the API, the
line page, the care pages and the upgrade page saying it in the same words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import DeviceAsset, ServiceAsset, TransactionType, add_months
from orders import drafts, rules, services
from orders.requests import parse_order_request
from portal.exceptions import RequestInvalid
from tests.conftest import browser_for
from tests.demo_data import api_id, line_of, vehicle_charger

T = TransactionType
S = ServiceAsset.Status


@pytest.fixture
def line(peter) -> ServiceAsset:
    """Peter's line 2035557676: active, on an LG Cookie Plus, last upgraded in 2014."""
    return ServiceAsset.objects.select_related("tenant").get(pk=line_of("peter").pk)


def fresh(line: ServiceAsset) -> ServiceAsset:
    return ServiceAsset.objects.select_related("tenant").get(pk=line.pk)


def refusal(employee, transaction_type: str, **fields) -> list[tuple[str, str, str]]:
    """(field, code, message) of each problem the order request has."""
    body = {"orderRequest": {"transactionType": transaction_type, **fields}}
    with pytest.raises(RequestInvalid) as refused:
        parse_order_request(body, tenant=employee.tenant, actor=employee)
    return [(p.field, p.code, p.message) for p in refused.value.problems]


def place_suspension(employee, line: ServiceAsset):
    choice = {"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}
    body = {
        "orderRequest": {
            "transactionType": "SUSPEND",
            "serviceId": str(line.pk),
            "properties": [{"groupId": "SUSPENSION", "fields": [choice]}],
        }
    }
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


# --- Each rule ----------------------------------------------------------------------------------


def test_an_active_line_allows_every_care_action(line):
    for kind in ServiceAsset.ORDER_ACTIONS[S.ACTIVE]:
        assert rules.care_blocker(line, kind) is None, kind


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (S.SUSPENDED, T.UPGRADE, "Line 2035557676 is suspended: only active lines are upgraded."),
        (S.ACTIVE, T.UNSUSPEND, "Line 2035557676 is active: only suspended lines are resumed."),
        (S.DEACTIVATED, T.DEACTIVATE,
         "Line 2035557676 is deactivated: only active or suspended lines are deactivated."),
        (S.SUSPENDED, T.ORDER_ACCESSORIES,
         "Line 2035557676 is suspended: only active lines get accessories."),
    ],
)  # fmt: skip
def test_the_lines_status_decides_which_types_it_allows(line, status, kind, message):
    line.status = status

    blocker = rules.status_blocker(line, kind)

    assert blocker.code == "SERVICE_NOT_ELIGIBLE"
    assert blocker.message == message == str(blocker)


def test_a_line_without_a_device_cannot_get_what_needs_one(line):
    DeviceAsset.objects.filter(service=line).update(service=None)
    line = fresh(line)

    for kind in (T.ORDER_ACCESSORIES, T.UPGRADE, T.SWAP_DEVICES):
        assert rules.care_blocker(line, kind).message == "This line has no device on record."
    for kind in (T.SUSPEND, T.DEACTIVATE, T.UPDATE_FEATURES):
        assert rules.care_blocker(line, kind) is None, kind


def test_accessories_need_a_catalog_model_on_the_line(line):
    DeviceAsset.objects.filter(service=line).update(
        device=None, manufacturer="Apple", other_make_model="iPhone 12"
    )

    blocker = rules.care_blocker(fresh(line), T.ORDER_ACCESSORIES)

    assert blocker.message == (
        "No accessories are known to fit the Apple iPhone 12 (not a catalog model)."
    )
    assert rules.care_blocker(fresh(line), T.SWAP_DEVICES) is None


def test_an_upgrade_waits_for_the_upgrade_period(line):
    line.last_device_upgrade = line.last_device_upgrade.replace(year=2099)

    blocker = rules.upgrade_blocker(line)

    assert blocker.code == "NOT_ELIGIBLE_FOR_UPGRADE"
    assert blocker.eligible_from == add_months(line.last_device_upgrade, 24)
    assert blocker.message == (
        "Line 2035557676 had its last device upgrade less than 24 months ago. "
        "Eligible for an upgrade from Jan 21, 2101."
    )
    # The period is the upgrade's alone
    assert rules.care_blocker(line, T.SWAP_DEVICES) is None


def test_the_upgrade_period_is_over_on_the_day_it_ends(line):
    eligible_from = line.upgrade_eligibility_date

    assert rules.upgrade_period_blocker(line, now=eligible_from) is None
    assert rules.upgrade_period_blocker(line, now=eligible_from - timedelta(seconds=1))


def test_the_status_is_said_before_the_device_and_the_period(line):
    DeviceAsset.objects.filter(service=line).update(service=None)
    line = fresh(line)
    line.status = S.SUSPENDED
    line.last_device_upgrade = timezone.now()

    assert rules.upgrade_blocker(line).code == "SERVICE_NOT_ELIGIBLE"


def test_an_open_order_in_the_way_is_named_with_its_number(peter, line):
    suspending = place_suspension(peter, line)

    blocker = rules.conflict_blocker(
        tenant=peter.tenant, transaction_type=T.DEACTIVATE, service=line
    )

    assert blocker.code == "CONFLICTING_ORDER" and blocker.order == suspending
    assert blocker.message == (
        f"Line 2035557676 has an open suspend order (#{suspending.pk}, submitted); wait until "
        "it is complete or cancel it first."
    )
    assert f"{blocker.before}#{suspending.pk}{blocker.after}" == blocker.message
    # Accessories rely on the device only
    assert rules.conflict_blocker(
        tenant=peter.tenant, transaction_type=T.ORDER_ACCESSORIES, service=line
    ) is None  # fmt: skip


def test_orders_are_named_as_a_sentence_names_them():
    assert rules.order_name(T.ORDER_ACCESSORIES) == "accessories"
    assert rules.order_name(T.SUSPEND) == "suspend"
    assert rules.order_name(T.UPGRADE) == "upgrade"


def test_beside_an_action_an_open_order_is_one_short_sentence(peter, line):
    suspending = place_suspension(peter, line)

    note = rules.rival_note(suspending)

    assert note.message == f"Not now: order #{suspending.pk} (suspend) is open on this line."


# --- One wording for the API and the pages ------------------------------------------------------


def test_the_api_and_the_upgrade_page_refuse_a_suspended_line_in_the_same_words(peter, line):
    ServiceAsset.objects.filter(pk=line.pk).update(status=S.SUSPENDED)
    words = rules.upgrade_blocker(fresh(line)).message

    page = browser_for(peter).get(f"/lines/{line.pk}/upgrade/")
    problems = refusal(peter, "UPGRADE", serviceId=str(line.pk))

    assert page.status_code == 409 and words in page.content.decode()
    assert ("orderRequest.serviceId", "SERVICE_NOT_ELIGIBLE", words) in problems


def test_the_api_and_the_pages_say_the_upgrade_period_in_the_same_words(peter, line):
    ServiceAsset.objects.filter(pk=line.pk).update(
        last_device_upgrade=line.last_device_upgrade.replace(year=2099)
    )
    blocker = rules.upgrade_blocker(fresh(line))
    words = blocker.message

    upgrade_page = browser_for(peter).get(f"/lines/{line.pk}/upgrade/").content.decode()
    line_page = browser_for(peter).get(f"/lines/{line.pk}/").content.decode()
    problems = refusal(peter, "UPGRADE", serviceId=str(line.pk))

    # The upgrade page gives the reason in the rule's words, and the date once, its own way.
    assert blocker.before in upgrade_page and "Eligible for an upgrade" not in upgrade_page
    eligible = blocker.eligible_from
    assert f"{eligible:%B} {eligible.day}, {eligible.year}" in upgrade_page
    upgrade = line_page[line_page.index('data-action="UPGRADE"') :]
    assert words in upgrade[: upgrade.index("</li>")]
    assert ("orderRequest.serviceId", "NOT_ELIGIBLE_FOR_UPGRADE", words) in problems


def test_the_api_and_the_swap_page_say_a_missing_device_in_the_same_words(peter, line):
    DeviceAsset.objects.filter(service=line).update(service=None)

    page = browser_for(peter).get(f"/lines/{line.pk}/swap/")
    problems = refusal(peter, "SWAP_DEVICES", serviceId=str(line.pk), existingDevice={
        "serialNumber": {"type": "ESN", "value": "4289183847832"}})  # fmt: skip

    assert page.status_code == 409
    assert "This line has no device on record." in page.content.decode()
    assert (
        "orderRequest.existingDevice",
        "DEVICE_MISMATCH",
        "This line has no device on record.",
    ) in problems


def test_the_api_says_a_missing_device_for_accessories_in_the_rules_words(peter, line):
    DeviceAsset.objects.filter(service=line).update(service=None)

    problems = refusal(peter, "ORDER_ACCESSORIES", serviceId=str(line.pk),
                       shoppingCart={"accessoryIds": [api_id(vehicle_charger())]})  # fmt: skip

    assert (
        "orderRequest.shoppingCart.accessoryIds",
        "NOT_COMPATIBLE",
        "This line has no device on record.",
    ) in problems


def test_the_care_page_says_an_open_order_in_the_apis_words(peter, line):
    suspending = place_suspension(peter, line)
    words = rules.conflict_blocker(
        tenant=peter.tenant, transaction_type=T.DEACTIVATE, service=line
    ).message

    html = browser_for(peter).get(f"/lines/{line.pk}/deactivate/").content.decode()
    problems = refusal(peter, "DEACTIVATE", serviceId=str(line.pk))

    notice = html[html.index('data-testid="conflict"') :]
    notice = notice[: notice.index("</div>")]
    link = f'<a href="/orders/{suspending.pk}/">#{suspending.pk}</a>'
    assert words.replace(f"#{suspending.pk}", link) in notice
    assert ("orderRequest.serviceId", "CONFLICTING_ORDER", words) in problems


def test_a_care_page_the_status_does_not_allow_says_why(peter, line):
    ServiceAsset.objects.filter(pk=line.pk).update(status=S.SUSPENDED)

    response = browser_for(peter).get(f"/lines/{line.pk}/suspend/")

    assert response.status_code == 409
    assert (
        "Line 2035557676 is suspended: only active lines are suspended."
        in response.content.decode()
    )
