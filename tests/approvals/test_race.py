"""Simultaneous decisions on one step: real threads, each with its own PostgreSQL connection and
real transactions. Exactly one decision counts; the others are told it is not needed (or are
refused), never a 500, never two transitions."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from approvals.models import (
    ApprovalRun,
    ApprovalWorkflow,
    Decision,
    DecisionAudit,
    RunStep,
    StepRule,
)
from orders.models import Order, OrderHistory
from portal.models import Employee, EmployeeGroup
from tests.conftest import seed_order_request
from tests.factories import approval_step

pytestmark = pytest.mark.usefixtures("vendors_unreached")

DECIDERS = 20
QUEUED = {"APPROVAL_QUEUED", "REJECTION_QUEUED"}
# A thread waits this long at most for the others to line up, and for its answer.
DEADLINE_SECONDS = 60


@dataclass
class Answer:
    who: Employee
    action: str
    status_code: int = 0
    body: dict | None = None
    error: BaseException | None = None


def buyers_group(tenant, size: int) -> EmployeeGroup:
    """A fresh approver group of `size` acme employees, each with a user to sign in."""
    users = get_user_model().objects
    group = EmployeeGroup.objects.create(tenant=tenant, name="Buyers")
    members = []
    for n in range(size):
        user = users.create_user(f"buyer{n}", f"buyer{n}@acme.com", "x")
        members.append(
            Employee.objects.create(
                tenant=tenant,
                company_employee_id=f"buyer{n}@acme.com",
                first_name="Buyer",
                last_name=str(n),
                email=f"buyer{n}@acme.com",
                user=user,
            )
        )
    group.members.set(members)
    return group


@pytest.fixture
def contested_order(demo, peter_api) -> Order:
    """Peter's order, routed (for real, on commit) to one step any of 20 buyers may decide."""
    group = buyers_group(demo.acme, DECIDERS)
    workflow = ApprovalWorkflow.objects.create(tenant=demo.acme, name="Buyers decide", priority=1)
    approval_step(workflow=workflow, position=1, kind=StepRule.Kind.GROUP, group=group)
    response = peter_api.post("orders", seed_order_request(externalOrderNumber=None))
    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["order"]["orderId"])
    assert order.status == Order.Status.AWAITING_APPROVAL
    assert len(RunStep.objects.get(run__order=order).approvers) == DECIDERS
    return order


def decide_together(order: Order, answers: list[Answer], clients: list) -> None:
    """Every caller posts its decision at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(answers))

    def run(answer: Answer, client) -> None:
        body = {"action": answer.action}
        if answer.action == "REJECT":
            body["reason"] = f"{answer.who.last_name} says no"
        try:
            barrier.wait(timeout=DEADLINE_SECONDS)
            response = client.post(f"orders/{order.pk}/approval", body)
            answer.status_code, answer.body = response.status_code, response.json()
        except BaseException as exc:  # reported by the test, not lost in the thread
            answer.error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(answer, client), daemon=True)
        for answer, client in zip(answers, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a decision never answered"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_decisions_on_one_step_record_exactly_one(
    contested_order, api_for, peter, sam, round_
):
    # Given the 20 buyers, half approving and half rejecting, plus two who may not decide
    order = contested_order
    buyers = RunStep.objects.get(run__order=order).approvers
    answers = [
        Answer(who, "APPROVE" if (n + round_) % 2 == 0 else "REJECT")
        for n, who in enumerate(buyers)
    ]
    answers += [Answer(sam, "APPROVE"), Answer(peter, "APPROVE")]
    clients = [api_for(answer.who) for answer in answers]

    # When they all decide at once
    decide_together(order, answers, clients)

    # Then nobody got an error, and exactly one buyer's decision was queued
    assert [a.error for a in answers if a.error] == []
    deciders, outsiders = answers[:DECIDERS], answers[DECIDERS:]
    assert all(a.status_code == 200 for a in deciders), [(a.status_code, a.body) for a in answers]
    statuses = [a.body["status"] for a in deciders]
    assert set(statuses) <= QUEUED | {"APPROVAL_NOT_NEEDED"}
    winners = [a for a in deciders if a.body["status"] in QUEUED]
    assert len(winners) == 1, statuses
    winner = winners[0]
    assert winner.body["status"] == (
        "APPROVAL_QUEUED" if winner.action == "APPROVE" else "REJECTION_QUEUED"
    )
    # And the two outsiders were refused
    assert [(a.status_code, a.body["errorCode"]) for a in outsiders] == [
        (403, "NOT_AN_APPROVER"),
        (403, "MAKER_CANNOT_CHECK"),
    ]

    # And one decision is stored, the winner's, applied once
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.action) == (winner.who, winner.action)
    assert decision.applied_at is not None
    decided = OrderHistory.objects.filter(order=order, event__in=["approve", "reject"])
    assert decided.count() == 1
    # And the order and its run end as the winner decided
    order.refresh_from_db()
    run = ApprovalRun.objects.get(order=order)
    if winner.action == "APPROVE":
        assert (order.status, run.state) == (Order.Status.APPROVED, ApprovalRun.State.APPROVED)
    else:
        assert (order.status, run.state) == (Order.Status.REJECTED, ApprovalRun.State.REJECTED)
        assert decided.get().note == f"{winner.who.last_name} says no"
    # And every attempt is in the audit
    assert DecisionAudit.objects.filter(order=order).count() == len(answers)
