"""X-TNGO-CONTEXT-HIERARCHYID selects the hierarchy of the call (concepts/headers): an order
placed under it is routed up that hierarchy (its manager steps that name none climb it), and the
preview of an order request answers the same; a step that names a hierarchy keeps it."""

from __future__ import annotations

import pytest

from approvals.models import ApprovalWorkflow, StepRule
from orders.models import Order
from portal.models import Hierarchy, ReportingLine
from tests.approvals.conftest import API, approver_names, status_of
from tests.conftest import seed_order_request
from tests.factories import approval_step

pytestmark = pytest.mark.usefixtures("vendors_unreached")


@pytest.fixture
def cost_centers(demo, peter, victor) -> Hierarchy:
    """A second acme hierarchy in which peter reports to victor (in the reporting line: maria)."""
    hierarchy = Hierarchy.objects.create(tenant=demo.acme, name="Cost centers")
    ReportingLine.objects.create(hierarchy=hierarchy, employee=peter, manager=victor)
    return hierarchy


@pytest.fixture
def manager_first(demo) -> ApprovalWorkflow:
    """A rule tried first for every order: the requester's manager decides."""
    workflow = ApprovalWorkflow.objects.create(tenant=demo.acme, name="Manager", priority=0)
    approval_step(workflow=workflow, position=1, kind=StepRule.Kind.MANAGER)
    return workflow


def place(api, **headers) -> Order:
    response = api.post("orders", seed_order_request(externalOrderNumber=None), **headers)
    assert response.status_code == 200, response.json()
    return Order.objects.get(pk=response.json()["order"]["orderId"])


def test_an_order_placed_under_a_hierarchy_goes_up_that_hierarchy(
    api_for, peter, cost_centers, manager_first, django_capture_on_commit_callbacks
):
    api = api_for(peter)
    with django_capture_on_commit_callbacks(execute=True):
        under_cost_centers = place(api, HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(cost_centers.pk))
        plain = place(api)

    assert under_cost_centers.hierarchy == cost_centers
    assert status_of(under_cost_centers) == "AWAITING_APPROVAL"
    assert approver_names(under_cost_centers, 1) == ["Victor Hughes"]
    assert plain.hierarchy is None
    assert approver_names(plain, 1) == ["Maria Lopez"]  # the reporting line, as before


def test_a_step_that_names_its_hierarchy_keeps_it(
    api_for, peter, demo, cost_centers, manager_first, django_capture_on_commit_callbacks
):
    reporting_line = Hierarchy.objects.get(tenant=demo.acme, is_default=True)
    manager_first.steps.get().sources.update(hierarchy=reporting_line)

    with django_capture_on_commit_callbacks(execute=True):
        order = place(api_for(peter), HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(cost_centers.pk))

    assert approver_names(order, 1) == ["Maria Lopez"]


def test_the_preview_answers_for_the_hierarchy_of_the_call(
    api_for, ada, peter, cost_centers, manager_first
):
    body = seed_order_request(externalOrderNumber=None)
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    def first_step_approvers(**headers) -> list[str]:
        response = api.post(f"{API}/approval-workflows/preview", body, **headers)
        assert response.status_code == 200, response.json()
        return [a["name"] for a in response.json()["steps"][0]["approvers"]]

    assert first_step_approvers(HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(cost_centers.pk)) == [
        "Victor Hughes"
    ]
    assert first_step_approvers() == ["Maria Lopez"]


def test_another_tenants_hierarchy_is_not_found(api_for, peter, demo):
    theirs = Hierarchy.objects.create(tenant=demo.globex, name="Regions")

    response = api_for(peter).post(
        "orders", seed_order_request(), HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(theirs.pk)
    )

    assert response.status_code == 404
    assert response.json()["errorCode"] == "HIERARCHY_NOT_FOUND"
    assert not Order.objects.filter(external_order_number="MM123456A").exists()
