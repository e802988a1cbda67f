"""An order end to end on a real Celery worker and the real Redis broker (not eager): submit, route,
e-mails, approvals, the simulated carrier shipping, COMPLETE; and the vendor failing for good, or
for a while."""

from __future__ import annotations

import re

import pytest
from celery.worker import state as worker_state
from django.core import mail

from approvals.models import ApprovalRun, RunStep
from orders.models import Notification, Order, OrderHistory, OrderSegment
from tests.conftest import seed_order_request
from tests.demo_data import api_id, galaxy_rugged_case, line_of, vehicle_charger
from tests.integration.conftest import mails_to, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def cheap_cart() -> dict:
    """Seed 002's vehicle charger alone, 22.49 USD: one step, maria."""
    return {"accessoryIds": [api_id(vehicle_charger())]}


def ginas_order() -> dict:
    """Gina's line, with globex's Galaxy S24 case in the cart."""
    return {
        "serviceId": api_id(line_of("gina")),
        "shoppingCart": {"accessoryIds": [api_id(galaxy_rugged_case())]},
    }


def submit(client, **overrides) -> Order:
    response = client.post("orders", seed_order_request(**overrides))
    assert response.status_code == 200, response.json()
    return Order.objects.get(pk=response.json()["order"]["orderId"])


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def reaches(order: Order, status: str):
    def check() -> bool:
        return status_of(order) == status

    check.__doc__ = f"order {order.pk} reaches {status} (it is {status_of(order)})"
    return check


def sent(order: Order, event: str, email: str):
    def check() -> bool:
        return Notification.objects.filter(
            order=order, event=event, email=email, status=Notification.Status.SENT
        ).exists()

    check.__doc__ = f"the {event} notification of order {order.pk} to {email} is sent"
    return check


def step_approvers(order: Order, position: int) -> set[int]:
    step = RunStep.objects.filter(run__order=order, position=position).first()
    if step is None or step.state != RunStep.State.ACTIVE:
        return set()
    return {approver.pk for approver in step.approvers}


def approve(client, order: Order, **body) -> None:
    response = client.post(f"orders/{order.pk}/approval", {"action": "APPROVE", **body})
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "APPROVAL_QUEUED"}


def order_transitions(order: Order) -> list[str]:
    return list(
        OrderHistory.objects.filter(order=order, segment=None)
        .exclude(to_status="")
        .values_list("to_status", flat=True)
    )


def test_submitted_order_is_routed_approved_twice_shipped_and_completed_by_the_worker(
    real_worker, api_for, peter, maria, ian, ada
):
    # Given peter's seed 002 order (44.98 USD: maria, then IT) submitted through the API
    ran_before = worker_state.total_count.copy()
    order = submit(api_for(peter))

    # Then the worker routes it and maria's approval e-mail arrives, with Approve / Reject links
    wait_until(reaches(order, Order.Status.AWAITING_APPROVAL))
    wait_until(sent(order, Notification.Event.APPROVAL_REQUESTED, maria.email))
    (ask,) = mails_to(maria.email, "Approval needed")
    assert f"#{order.pk}" in ask.subject
    assert re.search(r"Approve: http\S+/approvals/decide/\S+/", ask.body)
    assert re.search(r"Reject: +http\S+/approvals/decide/\S+/", ask.body)
    html, mimetype = ask.alternatives[0]
    assert mimetype == "text/html" and "Approve" in html and "Reject" in html

    # When maria approves through the API
    approve(api_for(maria), order)

    # Then the worker applies it: step 2 waits for IT, and ian is asked
    wait_until(lambda: ian.pk in step_approvers(order, 2), what="step 2 waits for ian")
    wait_until(sent(order, Notification.Event.APPROVAL_REQUESTED, ian.email))
    assert status_of(order) == Order.Status.AWAITING_APPROVAL

    # When ian approves
    approve(api_for(ian), order)

    # Then peter is told it is approved, the carrier ships it and it ends COMPLETE
    wait_until(sent(order, Notification.Event.ORDER_APPROVED, peter.email))
    assert len(mails_to(peter.email, "is approved")) == 1
    wait_until(reaches(order, Order.Status.COMPLETE))
    wait_until(sent(order, Notification.Event.ORDER_COMPLETED, peter.email))

    segment = OrderSegment.objects.get(order=order)
    assert segment.status == Order.Status.COMPLETE
    assert segment.vendor_reference == f"SIM-98-{segment.pk}"
    shipments = api_for(peter).get(f"orders/{order.pk}/shipments").json()["shipments"]["items"]
    assert len(shipments) == 1
    assert shipments[0]["orderSegmentId"] == str(segment.pk)
    assert re.fullmatch(r"1Z[0-9A-F]{16}", shipments[0]["trackingNumber"])
    assert shipments[0]["dateDelivered"] is not None
    # Every life-cycle step was taken once, in order
    assert order_transitions(order) == [
        Order.Status.ORDER_SUBMITTED,
        Order.Status.AWAITING_APPROVAL,
        Order.Status.APPROVED,
        Order.Status.IN_FULFILLMENT,
        Order.Status.SHIPPED,
        Order.Status.COMPLETE,
    ]
    # And each of peter's e-mails went out exactly once, the shipped one with the tracking number
    (shipped,) = mails_to(peter.email, "has shipped")
    assert shipments[0]["trackingNumber"] in shipped.body
    assert len(mails_to(peter.email, "is complete")) == 1
    assert len(mails_to(maria.email)) == 1
    notifications = Notification.objects.filter(order=order)
    assert {(n.event, n.email) for n in notifications} == {
        (Notification.Event.APPROVAL_REQUESTED, maria.email),
        (Notification.Event.APPROVAL_REQUESTED, ian.email),
        (Notification.Event.APPROVAL_REQUESTED, ada.email),
        (Notification.Event.ORDER_APPROVED, peter.email),
        (Notification.Event.ORDER_SHIPPED, peter.email),
        (Notification.Event.ORDER_COMPLETED, peter.email),
    }
    wait_until(lambda: not notifications.exclude(status=Notification.Status.SENT).exists())
    assert {n.attempts for n in notifications.all()} == {1}
    # And all of it ran on the worker, from the broker: nothing ran eagerly in the test
    ran = worker_state.total_count - ran_before
    assert ran["approvals.route_order"] == 1
    assert ran["approvals.apply_decision"] == 2
    assert ran["orders.send_notification"] == 6
    assert ran["orders.submit_segment"] == 1
    assert ran["orders.collect_progress"] >= 2


def test_vendor_refusing_for_good_fails_the_order_and_records_its_answer(
    real_worker, settings, api_for, peter, maria
):
    # Given a carrier that refuses every order, and peter's one-step order approved by maria
    settings.SIMULATED_CARRIER_MODES = {"98": "FAIL"}
    order = submit(api_for(peter), externalOrderNumber="FLOW-FAIL", shoppingCart=cheap_cart())
    wait_until(lambda: maria.pk in step_approvers(order, 1), what="step 1 waits for maria")
    approve(api_for(maria), order)

    # Then the order ends FAILED, the vendor's answer on the segment and in the approval run
    wait_until(reaches(order, Order.Status.FAILED))
    wait_until(
        lambda: ApprovalRun.objects.filter(order=order, state=ApprovalRun.State.FAILED).exists(),
        what="the approval run is failed",
    )
    segment = OrderSegment.objects.get(order=order)
    assert segment.status == Order.Status.FAILED
    assert segment.vendor_response["status"] == 422
    assert segment.vendor_response["error"] == "ACCOUNT_NOT_ELIGIBLE"
    assert segment.vendor_attempts == 1  # a permanent failure is not retried
    run = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]
    assert run["state"] == "failed"
    assert run["endTime"] is not None
    assert run["checks"]["FulfilmentCall_Output"] == {str(segment.pk): segment.vendor_response}
    assert api_for(peter).get(f"orders/{order.pk}/shipments").json()["shipments"]["items"] == []
    # And peter is told, once
    wait_until(sent(order, Notification.Event.ORDER_FAILED, peter.email))
    (failed,) = mails_to(peter.email, "could not be fulfilled")
    assert "Order refused by the carrier" in failed.body


def test_vendor_failing_transiently_is_retried_until_the_order_ships(
    real_worker, settings, api_for, peter, maria
):
    # Given a carrier that answers 503 twice before accepting
    settings.SIMULATED_CARRIER_MODES = {"98": "FAIL_TRANSIENTLY"}
    order = submit(api_for(peter), externalOrderNumber="FLOW-TRANSIENT", shoppingCart=cheap_cart())
    wait_until(lambda: maria.pk in step_approvers(order, 1), what="step 1 waits for maria")

    # When maria approves
    approve(api_for(maria), order)

    # Then the worker retries with backoff, the third call is accepted, and the order completes
    wait_until(reaches(order, Order.Status.COMPLETE), timeout=60)
    segment = OrderSegment.objects.get(order=order)
    assert segment.vendor_attempts == 3
    assert segment.vendor_reference == f"SIM-98-{segment.pk}"
    assert ApprovalRun.objects.get(order=order).state == ApprovalRun.State.APPROVED
    wait_until(sent(order, Notification.Event.ORDER_COMPLETED, peter.email))
    assert len(mails_to(peter.email, "has shipped")) == 1
    assert len(mails_to(peter.email, "could not be fulfilled")) == 0


def test_two_tenants_orders_interleaved_on_one_worker_never_mix_recipients(
    real_worker, api_for, peter, maria, gina
):
    # Given acme's and globex's orders submitted alternately to the same worker
    hank = gina.tenant.employees.get(user__username="hank")
    peter_api, gina_api = api_for(peter), api_for(gina)
    orders = []
    for number in range(3):
        orders.append(submit(peter_api, externalOrderNumber=f"ACME-{number}"))
        orders.append(submit(gina_api, externalOrderNumber=f"GLX-{number}", **ginas_order()))

    # When the worker has routed them all and sent every approval request
    for order in orders:
        wait_until(reaches(order, Order.Status.AWAITING_APPROVAL))
    expected = Notification.objects.filter(order__in=orders)
    wait_until(lambda: expected.count() == 6, what="one approval request per order")
    wait_until(lambda: not expected.exclude(status=Notification.Status.SENT).exists())

    # Then each tenant's approver got exactly the requests of their own tenant's orders
    acme_ids = {o.pk for o in orders if o.tenant_id == peter.tenant_id}
    globex_ids = {o.pk for o in orders if o.tenant_id == gina.tenant_id}
    assert {f"#{pk}" for pk in acme_ids} == {
        m.subject.split()[3] for m in mails_to(maria.email, "Approval needed")
    }
    assert {f"#{pk}" for pk in globex_ids} == {
        m.subject.split()[3] for m in mails_to(hank.email, "Approval needed")
    }
    assert len(mail.outbox) == 6
    for notification in expected.select_related("recipient", "order"):
        assert notification.tenant_id == notification.order.tenant_id
        assert notification.recipient.tenant_id == notification.order.tenant_id


LEAVE = {"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}
SUSPENSION = [{"groupId": "SUSPENSION", "fields": [LEAVE]}]


def test_care_order_is_carried_out_by_the_carrier_and_changes_the_line(
    real_worker, api_for, peter, maria
):
    # Given peter asks to suspend his line (the demo rule: his manager approves suspensions)
    peters_line = api_id(line_of(peter))
    response = api_for(peter).post(
        "orders",
        {
            "orderRequest": {
                "externalOrderNumber": "FLOW-SUSPEND",
                "transactionType": "SUSPEND",
                "serviceId": peters_line,
                "properties": SUSPENSION,
            }
        },
    )
    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["order"]["orderId"])
    wait_until(lambda: maria.pk in step_approvers(order, 1), what="step 1 waits for maria")

    # When maria approves
    approve(api_for(maria), order)

    # Then the worker sends it to the line's carrier, which carries it out: no shipment, no
    # SHIPPED step, and the line is SUSPENDED with only the actions a suspended line allows
    wait_until(reaches(order, Order.Status.COMPLETE))
    assert order_transitions(order) == [
        Order.Status.ORDER_SUBMITTED,
        Order.Status.AWAITING_APPROVAL,
        Order.Status.APPROVED,
        Order.Status.IN_FULFILLMENT,
        Order.Status.COMPLETE,
    ]
    line = api_for(peter).get(f"assets/services/{peters_line}").json()["service"]
    assert line["status"] == "SUSPENDED"
    assert line["orderActions"] == ["UNSUSPEND", "DEACTIVATE"]
    assert api_for(peter).get(f"orders/{order.pk}/shipments").json()["shipments"]["items"] == []
    wait_until(sent(order, Notification.Event.ORDER_COMPLETED, peter.email))
    (done,) = mails_to(peter.email, "is complete")
    assert "Line 2035557676 is suspended." in done.body
    assert mails_to(peter.email, "has shipped") == []
