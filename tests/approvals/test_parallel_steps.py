"""Parallel approval steps: a step names several approver sources (a named employee, a group, the
requester's manager) and a rule over them (ANY, ALL, AT_LEAST N; rejected on one rejection or a
majority). Each source is a seat one of its approvers decides; a person counts once per step;
the step moves once, when its rule is met or can no longer be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import services as approval_services
from approvals import tasks
from approvals.models import (
    ApprovalRun,
    ApprovalWorkflow,
    Decision,
    DecisionAudit,
    RunSeat,
    RunStep,
    StepRule,
)
from orders import selectors as order_selectors
from orders.models import Order, OrderApprover, OrderHistory
from portal.models import Delegation, Employee, EmployeeGroup
from tests.approvals.conftest import (
    assert_envelope,
    run_of,
    seat,
    status_of,
    step,
)
from tests.approvals.test_manage_pages import errors_beside, workflow_post
from tests.approvals.test_race import DECIDERS, Answer, decide_together
from tests.conftest import seed_order_request
from tests.factories import approval_step

pytestmark = pytest.mark.usefixtures("vendors_unreached")

NOT_NEEDED = {"status": "APPROVAL_NOT_NEEDED"}
APPROVAL_QUEUED = {"status": "APPROVAL_QUEUED"}


@pytest.fixture
def it(demo) -> EmployeeGroup:
    """acme's IT group: ian and ada (ada is also the tenant admin)."""
    return EmployeeGroup.objects.get(tenant=demo.acme, name="IT")


def first_workflow(tenant, *steps: dict) -> ApprovalWorkflow:
    """A workflow tried before the demo's, for every order: its steps as approval_step takes
    them ({"sources": [...], rule...})."""
    workflow = ApprovalWorkflow.objects.create(tenant=tenant, name="Parallel", priority=0)
    for position, fields in enumerate(steps, start=1):
        fields = dict(fields)
        approval_step(*fields.pop("sources"), workflow=workflow, position=position, **fields)
    return workflow


def employee_source(employee) -> dict:
    return {"kind": StepRule.Kind.EMPLOYEE, "employee": employee}


def group_source(group) -> dict:
    return {"kind": StepRule.Kind.GROUP, "group": group}


MANAGER = {"kind": StepRule.Kind.MANAGER}  # peter's manager: maria


def seats_of(order, position=1) -> list[tuple[str, str | None]]:
    """Each seat of a step as (state, who it was decided for)."""
    return [
        (s.state, s.answer.decided_for.full_name if s.answer else None)
        for s in RunSeat.objects.filter(step__run__order=order, step__position=position)
        .select_related("decision__decided_for")
        .order_by("position")
    ]


def history(order, event) -> list[str]:
    return list(
        OrderHistory.objects.filter(order=order, event=event)
        .order_by("pk")
        .values_list("note", flat=True)
    )


def waiting_for(employee) -> list[int]:
    """The orders in the employee's inbox."""
    return list(order_selectors.awaiting_decision_by(employee).values_list("pk", flat=True))


def delegate(employee, to) -> Delegation:
    today = timezone.localdate()
    return Delegation.objects.create(
        tenant=employee.tenant, employee=employee, delegate=to, starts_on=today, ends_on=today
    )


# --- The API: workflows with several sources ----------------------------------------------------


def parallel_body(it, victor, **step_changes) -> dict:
    step_ = {
        "approvers": [
            {"kind": "EMPLOYEE", "employeeId": str(victor.pk)},
            {"kind": "GROUP", "groupId": str(it.pk)},
            {"kind": "MANAGER", "managerLevels": 1, "hierarchyId": None},
        ],
        "rule": "AT_LEAST",
        "required": 2,
        "rejectWhen": "ANY",
        "reminderDelayMinutes": 90,
        "escalationDelayMinutes": 480,
    }
    step_.update(step_changes)
    return {"name": "Two of three", "priority": 1, "steps": [step_]}


def test_admin_creates_and_reads_a_workflow_with_a_parallel_step(api_for, ada, it, victor):
    response = api_for(ada).post("approval-workflows", parallel_body(it, victor))

    assert response.status_code == 201, response.json()
    (created,) = response.json()["workflow"]["steps"]
    assert created["description"] == (
        "2 of 3: Victor Hughes, Approver group IT, Requester's manager"
    )
    assert [(a["kind"], a["employeeId"], a["groupId"]) for a in created["approvers"]] == [
        ("EMPLOYEE", str(victor.pk), None),
        ("GROUP", None, str(it.pk)),
        ("MANAGER", None, None),
    ]
    assert [a["description"] for a in created["approvers"]] == [
        "Victor Hughes",
        "Approver group IT",
        "Requester's manager",
    ]
    assert (created["rule"], created["required"], created["rejectWhen"]) == ("AT_LEAST", 2, "ANY")
    assert (created["reminderDelayMinutes"], created["escalationDelayMinutes"]) == (90, 480)
    # The hour fields stay beside, for the clients that read them
    assert (created["reminderDelayHours"], created["escalationDelayHours"]) == (1.5, 8)
    # A step of several sources has no flat source fields
    assert (created["kind"], created["groupId"], created["employeeId"]) == (None, None, None)
    workflow_id = response.json()["workflow"]["id"]
    again = api_for(ada).get(f"approval-workflows/{workflow_id}")
    assert again.json()["workflow"] == response.json()["workflow"]


def test_a_one_source_step_in_the_old_form_reads_back_in_both_forms(api_for, ada, it):
    body = {
        "name": "Old style",
        "steps": [{"kind": "GROUP", "groupId": str(it.pk), "reminderDelayHours": 2}],
    }

    response = api_for(ada).post("approval-workflows", body)

    assert response.status_code == 201, response.json()
    (created,) = response.json()["workflow"]["steps"]
    assert (created["kind"], created["groupId"], created["description"]) == (
        "GROUP",
        str(it.pk),
        "Approver group IT",
    )
    assert created["approvers"] == [
        {
            "description": "Approver group IT",
            "kind": "GROUP",
            "managerLevels": 1,
            "hierarchyId": None,
            "groupId": str(it.pk),
            "employeeId": None,
        }
    ]
    assert (created["rule"], created["required"], created["rejectWhen"]) == ("ANY", None, "ANY")
    assert (created["reminderDelayMinutes"], created["reminderDelayHours"]) == (120, 2)


def test_every_problem_of_parallel_steps_is_listed_at_its_path(api_for, ada, it, victor):
    body = {
        "name": "Broken",
        "steps": [
            parallel_body(it, victor, required=4)["steps"][0],  # more than its 3 sources
            parallel_body(it, victor, required=None)["steps"][0],  # AT_LEAST without N
            {"approvers": []},  # no source
            {
                "approvers": [
                    {"kind": "MANAGER"},
                    {"kind": "GROUP", "groupId": "999999999"},  # no such group
                    {"kind": "EMPLOYEE"},  # which employee?
                ]
            },
            {"rule": "ALL"},  # names nobody at all
            {"approvers": [{"kind": "MANAGER"}], "rule": "SOME", "rejectWhen": "NEVER"},
        ],
    }
    before = ApprovalWorkflow.objects.count()

    response = api_for(ada).post("approval-workflows", body)

    errors = assert_envelope(
        response,
        "steps[0].required",
        "steps[1].required",
        "steps[2].approvers",
        "steps[3].approvers[1].groupId",
        "steps[3].approvers[2].employeeId",
        "steps[4].approvers",
        "steps[5].rule",
        "steps[5].rejectWhen",
    )
    codes = {e["field"]: e["errorCode"] for e in errors}
    assert codes["steps[3].approvers[1].groupId"] == "NOT_FOUND"
    assert ApprovalWorkflow.objects.count() == before


def test_escalation_in_minutes_must_come_after_the_reminder(api_for, ada, it, victor):
    body = parallel_body(it, victor, reminderDelayMinutes=60, escalationDelayMinutes=30)

    assert_envelope(
        api_for(ada).post("approval-workflows", body), "steps[0].escalationDelayMinutes"
    )


# --- The rules ----------------------------------------------------------------------------------


def test_all_needs_every_source_and_records_each_approval(
    demo, submitted_order, api_for, decide, maria, victor, ian, it
):
    # Given a step every one of maria (peter's manager), victor and IT must approve
    first_workflow(
        demo.acme, {"sources": [MANAGER, employee_source(victor), group_source(it)], "rule": "ALL"}
    )
    order = submitted_order()
    assert step(order, 1).description == (
        "3 of 3: Requester's manager, Victor Hughes, Approver group IT"
    )

    # When maria and victor approve
    assert decide(api_for(maria), order).json() == APPROVAL_QUEUED
    assert decide(api_for(victor), order).json() == APPROVAL_QUEUED

    # Then the step still waits for IT
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert step(order, 1).state == RunStep.State.ACTIVE
    assert seats_of(order) == [
        ("approved", "Maria Lopez"),
        ("approved", "Victor Hughes"),
        ("open", None),
    ]
    # And when ian approves for IT, the order is approved
    assert decide(api_for(ian), order).json() == APPROVAL_QUEUED
    assert status_of(order) == Order.Status.APPROVED
    assert run_of(order).state == ApprovalRun.State.APPROVED
    assert history(order, "approval_step_approved") == [
        "Step 1: Maria Lopez approved (1 of 3 needed).",
        "Step 1: Victor Hughes approved (2 of 3 needed).",
        "Step 1: Ian Tran approved (3 of 3 needed). Step 1 approved.",
    ]
    assert OrderHistory.objects.filter(order=order, event="approve").count() == 1


def test_any_is_met_by_one_approval_and_closes_the_other_sources(
    demo, submitted_order, api_for, decide, maria, victor, ian, ada, it
):
    first_workflow(demo.acme, {"sources": [employee_source(victor), group_source(it), MANAGER]})
    order = submitted_order()
    assert order.pk in waiting_for(victor) and order.pk in waiting_for(ian)

    assert decide(api_for(maria), order).json() == APPROVAL_QUEUED

    assert status_of(order) == Order.Status.APPROVED
    assert seats_of(order) == [("closed", None), ("closed", None), ("approved", "Maria Lopez")]
    # The other sources' approvers no longer have it waiting, and their answer is not needed
    assert [waiting_for(person) for person in (victor, ian, ada)] == [[], [], []]
    assert not OrderApprover.objects.filter(order=order, pending=True).exists()
    assert decide(api_for(victor), order).json() == NOT_NEEDED
    assert Decision.objects.filter(step__run__order=order).count() == 1


def test_two_of_three_approvals_meet_the_step_and_the_third_is_not_needed(
    demo, submitted_order, api_for, decide, maria, victor, ian, it
):
    first_workflow(
        demo.acme,
        {
            "sources": [employee_source(victor), group_source(it), MANAGER],
            "rule": "AT_LEAST",
            "required": 2,
        },
    )
    order = submitted_order()

    assert decide(api_for(ian), order).json() == APPROVAL_QUEUED
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert history(order, "approval_step_approved") == [
        "Step 1: Ian Tran approved (1 of 2 needed)."
    ]
    assert decide(api_for(maria), order).json() == APPROVAL_QUEUED

    assert status_of(order) == Order.Status.APPROVED
    assert seats_of(order) == [
        ("closed", None),
        ("approved", "Ian Tran"),
        ("approved", "Maria Lopez"),
    ]
    assert decide(api_for(victor), order).json() == NOT_NEEDED


def test_one_rejection_rejects_by_default(
    demo, submitted_order, api_for, decide, maria, victor, it
):
    first_workflow(
        demo.acme,
        {"sources": [employee_source(victor), group_source(it), MANAGER], "rule": "ALL"},
    )
    order = submitted_order()
    decide(api_for(maria), order)

    response = decide(api_for(victor), order, "REJECT", reason="Not this quarter")

    assert response.json() == {"status": "REJECTION_QUEUED"}
    assert status_of(order) == Order.Status.REJECTED
    assert step(order, 1).state == RunStep.State.REJECTED
    assert seats_of(order) == [
        ("rejected", "Victor Hughes"),
        ("closed", None),
        ("approved", "Maria Lopez"),
    ]
    (rejected,) = history(order, "reject")
    assert rejected == "Step 1 rejected (1 of 3 rejected, 1 approved). Not this quarter"


def test_majority_rejection_needs_more_than_half_of_the_sources(
    demo, submitted_order, api_for, decide, maria, victor, ian, it
):
    # Given one approval of three meets the step, but only a majority of rejections rejects it
    first_workflow(
        demo.acme,
        {
            "sources": [employee_source(victor), group_source(it), MANAGER],
            "reject_when": "MAJORITY",
        },
    )
    order = submitted_order()

    # When victor rejects, the step still waits
    decide(api_for(victor), order, "REJECT", reason="Too much")
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert seats_of(order)[0] == ("rejected", "Victor Hughes")

    # And a second rejection (of three) rejects it
    decide(api_for(ian), order, "REJECT", reason="Agreed")
    assert status_of(order) == Order.Status.REJECTED
    assert seats_of(order) == [
        ("rejected", "Victor Hughes"),
        ("rejected", "Ian Tran"),
        ("closed", None),
    ]
    assert decide(api_for(maria), order).json() == NOT_NEEDED


def test_a_rule_that_can_no_longer_be_met_rejects_the_step(
    demo, submitted_order, api_for, decide, victor, it
):
    # Given every source must approve, and only a majority of rejections would reject
    first_workflow(
        demo.acme,
        {
            "sources": [employee_source(victor), group_source(it), MANAGER],
            "rule": "ALL",
            "reject_when": "MAJORITY",
        },
    )
    order = submitted_order()

    # When one rejects: ALL can no longer be met
    decide(api_for(victor), order, "REJECT", reason="No")

    assert status_of(order) == Order.Status.REJECTED
    assert step(order, 1).state == RunStep.State.REJECTED


# --- Who counts ---------------------------------------------------------------------------------


def test_a_person_in_two_sources_counts_once(demo, submitted_order, api_for, decide, ian, ada, it):
    # Given ian is named, and is also in IT; both must approve
    first_workflow(demo.acme, {"sources": [employee_source(ian), group_source(it)], "rule": "ALL"})
    order = submitted_order()

    # When ian approves, twice
    assert decide(api_for(ian), order).json() == APPROVAL_QUEUED
    assert decide(api_for(ian), order).json() == NOT_NEEDED

    # Then his decision filled the first seat only, and he left the inbox; ada has it still
    assert seats_of(order) == [("approved", "Ian Tran"), ("open", None)]
    assert waiting_for(ian) == [] and waiting_for(ada) == [order.pk]
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    # And ada's approval for IT meets the step
    assert decide(api_for(ada), order).json() == APPROVAL_QUEUED
    assert seats_of(order) == [("approved", "Ian Tran"), ("approved", "Ada Park")]
    assert status_of(order) == Order.Status.APPROVED


def test_a_delegate_counts_once_too(demo, submitted_order, api_for, decide, maria, victor, sam):
    # Given maria and victor must both approve, and both named sam their delegate
    first_workflow(demo.acme, {"sources": [MANAGER, employee_source(victor)], "rule": "ALL"})
    delegate(maria, sam)
    delegate(victor, sam)
    order = submitted_order()

    # When sam decides, twice, and then maria
    assert decide(api_for(sam), order).json() == APPROVAL_QUEUED
    assert decide(api_for(sam), order).json() == NOT_NEEDED
    assert decide(api_for(maria), order).json() == NOT_NEEDED

    # Then sam filled maria's seat only
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_for, decision.decided_by, decision.seat.position) == (maria, sam, 1)
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    # And victor's own approval meets the step
    assert decide(api_for(victor), order).json() == APPROVAL_QUEUED
    assert status_of(order) == Order.Status.APPROVED


def test_the_next_step_starts_only_when_the_parallel_step_is_met(
    demo, submitted_order, api_for, decide, maria, victor, ian
):
    first_workflow(
        demo.acme,
        {"sources": [MANAGER, employee_source(victor)], "rule": "ALL"},
        {"sources": [employee_source(ian)]},
    )
    order = submitted_order()

    decide(api_for(maria), order)
    assert step(order, 2).state == RunStep.State.WAITING
    assert decide(api_for(ian), order).status_code == 403  # not his step yet

    decide(api_for(victor), order)
    assert (step(order, 1).state, step(order, 2).state) == ("approved", "active")
    assert waiting_for(ian) == [order.pk]
    assert waiting_for(maria) == [] and waiting_for(victor) == []


def test_a_decision_stored_before_the_step_ended_is_applied_as_nothing(
    demo, submitted_order, api_for, django_capture_on_commit_callbacks, maria, victor, peter
):
    # Given maria's approval is stored, not applied yet
    first_workflow(demo.acme, {"sources": [MANAGER, employee_source(victor)], "rule": "ALL"})
    order = submitted_order()
    with django_capture_on_commit_callbacks(execute=False):
        response = api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
    assert response.json() == APPROVAL_QUEUED
    # When the order is cancelled (the step is withdrawn) and then the decision applied
    with django_capture_on_commit_callbacks(execute=True):
        assert api_for(peter).post(f"orders/{order.pk}/cancel", {}).status_code == 200
    assert status_of(order) == Order.Status.CANCELLED
    decision = Decision.objects.get(step__run__order=order)
    approval_services.apply_decision(decision.pk)

    # Then it is marked applied, and changed nothing
    decision.refresh_from_db()
    assert decision.applied_at is not None
    assert step(order, 1).state == RunStep.State.WITHDRAWN
    assert seats_of(order) == [("closed", "Maria Lopez"), ("closed", None)]
    assert history(order, "approval_step_approved") == []


# --- Reminders in minutes -----------------------------------------------------------------------


def test_a_reminder_after_30_minutes_goes_to_those_still_to_decide(
    demo, submitted_order, api_for, decide, clock, django_capture_on_commit_callbacks,
    maria, victor, ian, ada, it,
):  # fmt: skip
    first_workflow(
        demo.acme,
        {
            "sources": [MANAGER, employee_source(victor), group_source(it)],
            "rule": "ALL",
            "reminder_delay_minutes": 30,
        },
    )
    order = submitted_order()
    decide(api_for(maria), order)

    def sweep() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.sweep_due_steps.apply().result

    clock.advance(timedelta(minutes=29))
    assert sweep() == 0
    clock.advance(timedelta(minutes=2))
    mail.outbox.clear()
    assert sweep() == 1

    reminded = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Reminder:"))
    assert reminded == sorted([victor.email, ian.email, ada.email])
    assert step(order, 1).reminders_sent == 1


def test_no_reminder_follows_once_the_step_ended(
    demo, submitted_order, api_for, decide, clock, django_capture_on_commit_callbacks, maria, it
):
    first_workflow(
        demo.acme,
        {"sources": [MANAGER, group_source(it)], "reminder_delay_minutes": 30,
         "escalation_delay_minutes": 60},
    )  # fmt: skip
    order = submitted_order()
    decide(api_for(maria), order)

    clock.advance(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_due_steps.apply().result == 0


# --- The run record -----------------------------------------------------------------------------


def test_the_run_record_shows_each_approvers_answer(
    demo, submitted_order, api_for, decide, peter, maria, victor, ian, it
):
    first_workflow(
        demo.acme,
        {
            "sources": [employee_source(victor), group_source(it), MANAGER],
            "rule": "AT_LEAST",
            "required": 2,
        },
    )
    order = submitted_order()
    decide(api_for(maria), order, reason="Fine by me")
    decide(api_for(ian), order, "APPROVE")

    record = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]

    (only,) = record["steps"]
    assert (only["state"], only["rule"], only["required"], only["rejectWhen"]) == (
        "approved",
        "AT_LEAST",
        2,
        "ANY",
    )
    assert [(s["description"], s["state"]) for s in only["sources"]] == [
        ("Victor Hughes", "closed"),
        ("Approver group IT", "approved"),
        ("Requester's manager", "approved"),
    ]
    assert [[a["name"] for a in s["approvers"]] for s in only["sources"]] == [
        ["Victor Hughes"],
        ["Ada Park", "Ian Tran"],
        ["Maria Lopez"],
    ]
    answers = [s["decision"] and (s["decision"]["decidedBy"]["name"], s["decision"]["reason"])
               for s in only["sources"]]  # fmt: skip
    assert answers == [None, ("Ian Tran", ""), ("Maria Lopez", "Fine by me")]
    # The step's decision is the one that met it
    assert only["decision"]["decidedBy"]["name"] == "Ian Tran"
    assert sorted(a["name"] for a in only["approvers"]) == [
        "Ada Park",
        "Ian Tran",
        "Maria Lopez",
        "Victor Hughes",
    ]
    assert record["state"] == "approved"


# --- A real race --------------------------------------------------------------------------------


def buyer_groups(tenant, sizes: tuple[int, ...]) -> list[EmployeeGroup]:
    """Fresh approver groups of acme employees (each with a user to sign in), one per size."""
    users = get_user_model().objects
    groups = []
    for g, size in enumerate(sizes):
        group = EmployeeGroup.objects.create(tenant=tenant, name=f"Buyers {g}")
        members = []
        for n in range(size):
            name = f"buyer{g}x{n}"
            members.append(
                Employee.objects.create(
                    tenant=tenant,
                    company_employee_id=f"{name}@acme.com",
                    first_name="Buyer",
                    last_name=f"{g}-{n}",
                    email=f"{name}@acme.com",
                    user=users.create_user(name, f"{name}@acme.com", "x"),
                )
            )
        group.members.set(members)
        groups.append(group)
    return groups


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(2))
def test_twenty_simultaneous_deciders_on_two_of_three_groups_make_one_transition(
    demo, peter_api, api_for, round_
):
    # Given peter's order routed (for real, on commit) to a step 2 of 3 groups must approve,
    # 20 buyers in all
    groups = buyer_groups(demo.acme, (7, 7, 6))
    first_workflow(
        demo.acme,
        {"sources": [group_source(g) for g in groups], "rule": "AT_LEAST", "required": 2},
    )
    response = peter_api.post("orders", seed_order_request(externalOrderNumber=None))
    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["order"]["orderId"])
    assert order.status == Order.Status.AWAITING_APPROVAL
    buyers = [member for g in groups for member in g.members.all()]
    assert len(step(order, 1).approvers) == DECIDERS == len(buyers)
    answers = [Answer(who, "APPROVE") for who in buyers[round_:] + buyers[:round_]]
    clients = [api_for(answer.who) for answer in answers]

    # When they all approve at once, each on their own connection
    decide_together(order, answers, clients)

    # Then nobody got an error, and exactly two approvals were queued, for two seats
    assert [a.error for a in answers if a.error] == []
    assert all(a.status_code == 200 for a in answers), [(a.status_code, a.body) for a in answers]
    statuses = sorted(a.body["status"] for a in answers)
    assert statuses == ["APPROVAL_NOT_NEEDED"] * 18 + ["APPROVAL_QUEUED"] * 2
    decisions = list(Decision.objects.filter(step__run__order=order).select_related("seat"))
    assert len(decisions) == 2
    assert len({d.seat_id for d in decisions}) == 2
    assert all(d.applied_at is not None for d in decisions)
    per_seat = [s.state for s in RunSeat.objects.filter(step__run__order=order)]
    assert sorted(per_seat) == ["approved", "approved", "closed"]
    # And the step moved once, the order was approved once, its history says so once
    order.refresh_from_db()
    assert order.status == Order.Status.APPROVED
    assert run_of(order).state == ApprovalRun.State.APPROVED
    assert step(order, 1).state == RunStep.State.APPROVED
    assert OrderHistory.objects.filter(order=order, event="approve").count() == 1
    notes = history(order, "approval_step_approved")
    assert [note.split(" approved ")[1] for note in notes] == [
        "(1 of 2 needed).",
        "(2 of 2 needed). Step 1 approved.",
    ]
    assert not OrderApprover.objects.filter(order=order, pending=True).exists()
    assert DecisionAudit.objects.filter(order=order).count() == DECIDERS


# --- The editor page, without JavaScript --------------------------------------------------------


def test_the_editor_saves_a_step_of_several_sources(ada, victor, it):
    client = Client()
    client.force_login(ada.user)
    data = workflow_post(**{
        "step-0-kind_2": "EMPLOYEE", "step-0-employee_2": str(victor.pk),
        "step-0-kind_3": "GROUP", "step-0-group_3": str(it.pk),
        "step-0-rule": "AT_LEAST", "step-0-required": "2", "step-0-reject_when": "MAJORITY",
        "step-0-reminder_delay_minutes": "30", "step-0-escalation_delay_minutes": "90",
    })  # fmt: skip

    response = client.post(reverse("manage:workflow-create"), data)

    assert response.status_code == 302, response.context and response.context["steps"].errors
    saved = ApprovalWorkflow.objects.get(tenant=ada.tenant, name="Big spenders")
    (only,) = saved.steps.all()
    assert (only.rule, only.required, only.reject_when) == ("AT_LEAST", 2, "MAJORITY")
    assert (only.reminder_delay_minutes, only.escalation_delay_minutes) == (30, 90)
    assert only.describe() == "2 of 3: Requester's manager, Victor Hughes, Approver group IT"
    # And the editor shows it again, each source in its slot
    page = client.get(reverse("manage:workflow-edit", args=[saved.pk]))
    initial = page.context["steps"].forms[0].initial
    assert (initial["kind"], initial["kind_2"], initial["employee_2"], initial["group_3"]) == (
        "MANAGER",
        "EMPLOYEE",
        victor.pk,
        it.pk,
    )
    listed = client.get(reverse("manage:workflows")).content.decode()
    assert "2 of 3: Requester&#x27;s manager, Victor Hughes, Approver group IT" in listed
    assert "reminder after 30 min, escalation after 90 min" in listed


def test_the_editor_shows_each_problem_of_a_parallel_step_beside_its_input(ada, demo):
    globex_group = EmployeeGroup.objects.create(tenant=demo.globex, name="Elsewhere")
    client = Client()
    client.force_login(ada.user)
    data = workflow_post(**{
        "step-0-kind_3": "GROUP", "step-0-group_3": str(globex_group.pk),
        "step-0-rule": "AT_LEAST", "step-0-required": "3",
        "step-1-kind_2": "EMPLOYEE",
        "step-2-kind": "MANAGER", "step-2-rule": "AT_LEAST",
    })  # fmt: skip

    response = client.post(reverse("manage:workflow-create"), data)

    assert response.status_code == 200
    assert errors_beside(response, "step-0-group_3") == [
        f"Approver group {globex_group.pk} does not exist."
    ]
    assert errors_beside(response, "step-0-required") == []  # 2 sources named: the group's is bad
    assert errors_beside(response, "step-1-employee_2") == ["Name the employee."]
    assert errors_beside(response, "step-2-required") == ["Say how many sources must approve."]
    assert not ApprovalWorkflow.objects.filter(name="Big spenders").exists()


# --- The preview --------------------------------------------------------------------------------


def test_the_preview_shows_each_source_with_its_approvers_and_the_rule(
    api_for, ada, peter, demo, victor, it
):
    first_workflow(
        demo.acme,
        {"sources": [employee_source(victor), group_source(it), MANAGER], "rule": "AT_LEAST",
         "required": 2, "reject_when": "MAJORITY"},
    )  # fmt: skip
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    response = client.post("approval-workflows/preview", seed_order_request())

    assert response.status_code == 200, response.json()
    (only,) = response.json()["steps"]
    assert (only["rule"], only["required"], only["rejectWhen"]) == ("AT_LEAST", 2, "MAJORITY")
    assert [(s["description"], [a["name"] for a in s["approvers"]]) for s in only["sources"]] == [
        ("Victor Hughes", ["Victor Hughes"]),
        ("Approver group IT", ["Ian Tran"]),  # ada places the order: never its approver
        ("Requester's manager", ["Maria Lopez"]),
    ]
    assert sorted(a["name"] for a in only["approvers"]) == [
        "Ian Tran",
        "Maria Lopez",
        "Victor Hughes",
    ]


# --- The inbox and the e-mail -------------------------------------------------------------------


def test_the_inbox_and_the_request_email_say_how_many_approvals_the_step_needs(
    demo, submitted_order, api_for, decide, maria, victor, it, django_assert_max_num_queries
):
    first_workflow(
        demo.acme,
        {"sources": [MANAGER, employee_source(victor), group_source(it)], "rule": "AT_LEAST",
         "required": 2},
    )  # fmt: skip
    order = submitted_order()
    (requested,) = [m for m in mail.outbox if m.to == [victor.email]]
    assert "The step needs 2 of 3 approvals" in requested.body
    decide(api_for(maria), order)

    client = Client()
    client.force_login(victor.user)
    page = client.get(reverse("approvals:inbox"))

    (row,) = page.context["rows"]
    assert row.pk == order.pk
    assert row.progress == "2 of 3 approvals needed, 1 given"
    assert not row.decision_recorded  # maria's approval is not his: he may still decide
    assert "2 of 3 approvals needed, 1 given" in page.content.decode()
    # And a second waiting order costs no more queries
    submitted_order(externalOrderNumber=None)
    with django_assert_max_num_queries(len(_queries(client))):
        assert len(client.get(reverse("approvals:inbox")).context["rows"]) == 2


def test_the_order_pages_decision_panel_says_how_far_the_step_is(
    demo, submitted_order, api_for, decide, maria, victor, it
):
    first_workflow(
        demo.acme,
        {"sources": [MANAGER, employee_source(victor), group_source(it)], "rule": "AT_LEAST",
         "required": 2},
    )  # fmt: skip
    order = submitted_order()
    decide(api_for(maria), order)

    client = Client()
    client.force_login(victor.user)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "2 of 3 approvals needed, 1 given: your approval counts once." in html


def _queries(client) -> list:
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("approvals:inbox"))
    return captured.captured_queries


def test_escalation_reaches_the_managers_of_each_undecided_source(
    demo, submitted_order, api_for, decide, clock, django_capture_on_commit_callbacks,
    ian, sam, maria, victor,
):  # fmt: skip
    # Given ian (managed by victor) and sam (managed by maria) must both approve, within an hour
    first_workflow(
        demo.acme,
        {"sources": [employee_source(ian), employee_source(sam)], "rule": "ALL",
         "escalation_delay_minutes": 60},
    )  # fmt: skip
    order = submitted_order()

    # When the hour has passed
    clock.advance(timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_due_steps.apply().result == 1

    # Then each seat may be decided by its approver's manager too
    approvers = [sorted(a.full_name for a in seat(order, 1, n).approvers.all()) for n in (1, 2)]
    assert approvers == [["Ian Tran", "Victor Hughes"], ["Maria Lopez", "Sam Okafor"]]
    assert sorted(waiting_for(victor) + waiting_for(maria)) == [order.pk, order.pk]
    # And victor fills ian's seat, once; maria sam's
    assert decide(api_for(victor), order).json() == APPROVAL_QUEUED
    assert decide(api_for(victor), order).json() == NOT_NEEDED
    assert decide(api_for(maria), order).json() == APPROVAL_QUEUED
    assert seats_of(order) == [("approved", "Victor Hughes"), ("approved", "Maria Lopez")]
    assert status_of(order) == Order.Status.APPROVED


def test_an_escalation_whose_managers_have_all_counted_goes_to_the_tenant_admins(
    demo, submitted_order, api_for, decide, clock, django_capture_on_commit_callbacks,
    maria, victor, ada,
):  # fmt: skip
    # Given victor and maria (whose manager is victor) must both approve, within an hour
    first_workflow(
        demo.acme,
        {"sources": [employee_source(victor), employee_source(maria)], "rule": "ALL",
         "escalation_delay_minutes": 60},
    )  # fmt: skip
    order = submitted_order()
    # And victor has counted on the step already, for his own seat
    assert decide(api_for(victor), order).json() == APPROVAL_QUEUED

    # When the hour passes with maria's seat still open
    clock.advance(timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_due_steps.apply().result == 1

    # Then her manager (victor, who counted once already) is not added: the tenant admins are
    assert sorted(a.full_name for a in seat(order, 1, 2).approvers.all()) == [
        "Ada Park", "Maria Lopez",
    ]  # fmt: skip
    assert step(order, 1).escalated_to_admins
    assert decide(api_for(ada), order).json() == APPROVAL_QUEUED
    assert status_of(order) == Order.Status.APPROVED


def test_the_order_page_says_how_far_the_parallel_step_is(
    demo, submitted_order, api_for, decide, peter, maria, victor, it
):
    first_workflow(
        demo.acme,
        {"sources": [MANAGER, employee_source(victor), group_source(it)], "rule": "ALL"},
    )
    order = submitted_order()
    decide(api_for(maria), order)
    client = Client()
    client.force_login(peter.user)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "(step 1: 3 of 3 approvals needed, 1 given)" in page
    assert "Step 1: Maria Lopez approved (1 of 3 needed)." in page
