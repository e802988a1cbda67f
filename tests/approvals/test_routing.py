"""Routing: which workflow a submitted order matches, and who may approve each of its steps."""

from decimal import Decimal

import pytest

from approvals import services
from approvals.models import ApprovalRun, ApprovalStepSource, ApprovalWorkflow, RunStep, StepRule
from approvals.routing import OrderFacts, approvers_for, matching_workflow
from catalog.models import Region
from orders.models import Order
from portal.models import Department, EmployeeGroup, Hierarchy, ReportingLine
from tests.approvals.conftest import (
    CHEAP_CART,
    approver_names,
    place_order,
    routed,
    run_of,
    seat,
    status_of,
    step,
    transitions,
    workflow,
)
from tests.factories import approval_step

pytestmark = pytest.mark.usefixtures("vendors_unreached")


def add_workflow(tenant, name, steps, priority=1, **fields) -> ApprovalWorkflow:
    wf = ApprovalWorkflow.objects.create(tenant=tenant, name=name, priority=priority, **fields)
    for position, rule in enumerate(steps, start=1):
        approval_step(workflow=wf, position=position, **rule)
    return wf


def test_submitted_order_over_40_usd_waits_for_the_requesters_manager(
    submitted_order, api_for, peter
):
    # When peter submits seed 002's order (44.98 USD of accessories) and routing runs
    order = submitted_order()

    # Then it awaits approval under "Accessories over 40 USD", first from maria
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    response = api_for(peter).get(f"orders/{order.pk}/approval")
    assert response.status_code == 200, response.json()
    record = response.json()["approval"]
    assert record["state"] == "pending"
    assert record["workflow"]["name"] == "Accessories over 40 USD"
    assert record["startTime"] and record["endTime"] is None
    assert [(s["level"], s["state"]) for s in record["steps"]] == [(1, "active"), (2, "waiting")]
    assert [a["name"] for a in record["steps"][0]["approvers"]] == ["Maria Lopez"]
    # The IT step's approvers are resolved only when it starts
    assert record["steps"][1]["approvers"] == []
    assert record["steps"][0]["decision"] is None
    assert record["checks"]["ValidateMakerAccess_Output"] is True
    assert record["checks"]["ValidatePayload_Output"] is True
    # And the history tells the story
    assert transitions(order) == [
        ("submit", "", "ORDER_SUBMITTED"),
        ("await_approval", "ORDER_SUBMITTED", "AWAITING_APPROVAL"),
        ("approval_step_started", "", ""),
    ]
    started = order.history.get(event="approval_step_started")
    assert "Maria Lopez" in started.note


def test_cheaper_order_matches_the_manager_only_workflow(submitted_order):
    # When peter orders one accessory of 22.49 USD
    order = submitted_order(shoppingCart=CHEAP_CART, externalOrderNumber="CHEAP-1")

    # Then "Accessories" (priority 20) applies: one step, his manager
    run = run_of(order)
    assert run.workflow_name == "Accessories"
    assert run.steps.count() == 1
    assert approver_names(order, 1) == ["Maria Lopez"]
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


def test_order_no_workflow_matches_is_approved_at_once(demo, submitted_order, vendors_unreached):
    # Given acme has no active workflow
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(is_active=False)

    order = submitted_order()

    # Then the order is approved by routing itself, without a run, and sent on to the vendors
    assert status_of(order) == Order.Status.APPROVED
    assert run_of(order) is None
    approve = order.history.get(event="approve")
    assert (approve.from_status, approve.to_status) == ("ORDER_SUBMITTED", "APPROVED")
    assert approve.note == "No approval workflow applies to this order."
    assert approve.actor is None
    assert vendors_unreached == [order.pk]


def test_inactive_workflow_is_skipped_for_the_next_matching_one(demo, submitted_order):
    ApprovalWorkflow.objects.filter(tenant=demo.acme, name="Accessories over 40 USD").update(
        is_active=False
    )

    order = submitted_order()

    assert run_of(order).workflow_name == "Accessories"


def test_lowest_priority_number_wins_among_matching_workflows(demo, submitted_order, victor):
    add_workflow(
        demo.acme, "Big boss first", [{"kind": StepRule.Kind.EMPLOYEE, "employee": victor}]
    )

    order = submitted_order()

    assert run_of(order).workflow_name == "Big boss first"
    assert approver_names(order, 1) == ["Victor Hughes"]


def test_routing_twice_leaves_one_run(peter):
    order = routed(place_order(peter))

    again = services.route_order(order.pk)

    assert ApprovalRun.objects.filter(order=order).count() == 1
    assert again == run_of(order)
    assert RunStep.objects.filter(run__order=order).count() == 2
    assert [e for e, _, _ in transitions(order)].count("await_approval") == 1


# --- Who approves a step ------------------------------------------------------------------------


def test_manager_step_beyond_the_top_of_the_hierarchy_escalates_to_tenant_admins(
    demo, peter, api_for
):
    # Given the first step asks for peter's manager five levels up (maria, victor, then nobody)
    wf = workflow(demo.acme, "Accessories over 40 USD")
    ApprovalStepSource.objects.filter(step__workflow=wf, step__position=1).update(manager_levels=5)

    order = routed(place_order(peter))

    # Then the tenant admin may decide it, and the record says it was escalated
    record = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]
    first = record["steps"][0]
    assert first["escalatedToAdmins"] is True
    assert [a["name"] for a in first["approvers"]] == ["Ada Park"]
    assert first["description"] == "Requester's manager, 5 levels up"
    assert "escalated to the tenant admins" in order.history.get(event="approval_step_started").note


def test_empty_approver_group_escalates_to_tenant_admins(demo, peter):
    empty = EmployeeGroup.objects.create(tenant=demo.acme, name="Procurement")
    add_workflow(demo.acme, "Procurement", [{"kind": StepRule.Kind.GROUP, "group": empty}])

    order = routed(place_order(peter))

    assert step(order, 1).escalated_to_admins is True
    assert approver_names(order, 1) == ["Ada Park"]


def test_second_level_manager_in_a_chosen_hierarchy(demo, peter, sam, ian):
    # Given a project hierarchy where peter reports to sam, and sam to ian
    projects = Hierarchy.objects.create(tenant=demo.acme, name="Projects")
    ReportingLine.objects.create(hierarchy=projects, employee=peter, manager=sam)
    ReportingLine.objects.create(hierarchy=projects, employee=sam, manager=ian)
    add_workflow(
        demo.acme,
        "Project lead",
        [
            {"kind": StepRule.Kind.MANAGER, "hierarchy": projects},
            {"kind": StepRule.Kind.MANAGER, "hierarchy": projects, "manager_levels": 2},
        ],
    )

    order = routed(place_order(peter))

    assert approver_names(order, 1) == ["Sam Okafor"]
    # The later step is resolved when it starts, from the rule copied onto the run
    assert seat(order, 2).hierarchy == projects and seat(order, 2).manager_levels == 2


def test_maker_named_as_approver_is_replaced_by_the_tenant_admins(demo, peter):
    # Given a workflow whose only step names peter himself
    add_workflow(demo.acme, "Peter signs", [{"kind": StepRule.Kind.EMPLOYEE, "employee": peter}])

    order = routed(place_order(peter))

    assert approver_names(order, 1) == ["Ada Park"]
    assert step(order, 1).escalated_to_admins is True


def test_order_placed_by_an_admin_for_someone_excludes_both_from_approving(demo, ada, peter):
    # Given ada orders for peter's line: she is the requester, peter the account holder
    order = routed(place_order(ada))
    assert (order.requested_by, order.account_holder) == (ada, peter)

    # Then the requester's manager is ada's (victor), and the IT step will not include ada
    assert approver_names(order, 1) == ["Victor Hughes"]
    facts = OrderFacts.of_order(order)
    approvers, escalated = approvers_for(seat(order, 2), facts)
    assert [a.full_name for a in approvers] == ["Ian Tran"]
    assert escalated is False


def test_step_nobody_may_approve_fails_the_run_and_rejects_the_order(demo, ada, peter):
    # Given a step naming ada, on an order ada placed: she is excluded, and she is the only admin
    add_workflow(demo.acme, "Ada signs", [{"kind": StepRule.Kind.EMPLOYEE, "employee": ada}])

    order = routed(place_order(ada))

    run = run_of(order)
    assert run.state == ApprovalRun.State.FAILED
    assert run.ended_at is not None
    assert status_of(order) == Order.Status.REJECTED
    assert "Nobody may approve step 1" in order.history.get(event="reject").note


def test_workflow_changes_do_not_affect_runs_in_flight(demo, peter):
    order = routed(place_order(peter))

    wf = workflow(demo.acme, "Accessories over 40 USD")
    wf.steps.filter(position=2).delete()
    wf.name = "Renamed"
    wf.save()

    run = run_of(order)
    assert run.workflow_name == "Accessories over 40 USD"
    assert run.steps.count() == 2


# --- Matching rules -----------------------------------------------------------------------------


def facts_for(peter, **changes) -> OrderFacts:
    base = {
        "tenant": peter.tenant,
        "transaction_type": "ORDER_ACCESSORIES",
        "cost_onetime": Decimal("44.98"),
        "cost_monthly": Decimal("0"),
        "region_id": None,
        "requester": peter,
        "makers": frozenset({peter.pk}),
    }
    return OrderFacts(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "Accessories over 40 USD"),
        ({"cost_onetime": Decimal("40.00")}, "Accessories"),  # "above" is strict
        ({"cost_onetime": Decimal("40.01")}, "Accessories over 40 USD"),
        ({"transaction_type": "ORDER_DEVICE"}, None),
    ],
    ids=["over-40", "exactly-40", "just-over-40", "other-transaction-type"],
)
def test_first_matching_workflow_by_cost_and_transaction_type(peter, changes, expected):
    match = matching_workflow(facts_for(peter, **changes))

    assert (match.name if match else None) == expected


def test_monthly_cost_department_and_region_conditions(demo, peter, sam, ian):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(is_active=False)
    development = Department.objects.get(tenant=demo.acme, name="Development")
    region = Region.objects.filter(parent=None).first()
    wf = add_workflow(
        demo.acme,
        "Development plans",
        [{"kind": StepRule.Kind.MANAGER}],
        monthly_cost_above=Decimal("50"),
    )
    wf.departments.set([development])
    wf.regions.set([region])
    matching = {"cost_monthly": Decimal("60"), "region_id": region.pk}

    assert matching_workflow(facts_for(peter, **matching)) == wf
    assert (
        matching_workflow(facts_for(peter, **{**matching, "cost_monthly": Decimal("50")})) is None
    )
    assert matching_workflow(facts_for(peter, **{**matching, "region_id": None})) is None
    # ian works in IT, not Development
    assert matching_workflow(facts_for(peter, requester=ian, **matching)) is None
    assert matching_workflow(facts_for(peter, requester=sam, **matching)) == wf


def test_other_tenants_workflows_never_match(demo, peter):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).delete()

    assert ApprovalWorkflow.objects.filter(tenant=demo.globex).exists()
    assert matching_workflow(facts_for(peter)) is None


def test_the_run_record_reads_its_approvers_in_a_fixed_number_of_queries(
    peter, api_for, count_queries
):
    # Approvers are stored once, on the order (orders.OrderApprover): one prefetch for all steps.
    one_step = routed(place_order(peter, shoppingCart=CHEAP_CART))
    two_steps = routed(place_order(peter))
    api = api_for(peter)
    api.get("me")  # the first call validates the token, later ones find it kept

    with count_queries() as few:
        short = api.get(f"orders/{one_step.pk}/approval").json()["approval"]
    with count_queries() as more:
        long = api.get(f"orders/{two_steps.pk}/approval").json()["approval"]

    assert (len(short["steps"]), len(long["steps"])) == (1, 2)
    assert [a["name"] for a in long["steps"][0]["approvers"]] == ["Maria Lopez"]
    assert len(more) == len(few)
