"""Changes to approval workflows, and to the e-mail links' sign-in switch, are in the tenant's
audit trail: who, through which channel, and the workflow before and after, in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import workflows
from approvals.models import ApprovalWorkflow
from approvals.routing import OrderFacts
from approvals.workflow_input import WorkflowInputSerializer
from portal.models import AuditEvent, EmployeeGroup, Tenant
from tests.approvals.conftest import API, place_order
from tests.conftest import browser_for

pytestmark = pytest.mark.usefixtures("vendors_unreached")


def changes_of(target_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type=target_type).order_by("created_at", "id"))


def two_of_three(it: EmployeeGroup, *people) -> dict:
    return {
        "name": "Big purchases",
        "priority": 3,
        "conditions": {"transactionTypes": ["ORDER_ACCESSORIES"], "oneTimeCostAbove": 500},
        "steps": [
            {
                "approvers": [{"kind": "GROUP", "groupId": str(it.pk)}]
                + [{"kind": "EMPLOYEE", "employeeId": str(p.pk)} for p in people],
                "rule": "AT_LEAST",
                "required": 2,
                "reminderDelayMinutes": 90,
            }
        ],
    }


def test_a_workflow_created_edited_and_deleted_through_the_api_is_audited(
    api_for, ada, demo, maria, victor
):
    it = EmployeeGroup.objects.get(tenant=demo.acme, name="IT")
    client = api_for(ada)

    # Created
    created = client.post(f"{API}/approval-workflows", two_of_three(it, maria, victor))
    assert created.status_code == 201, created.json()
    pk = int(created.json()["workflow"]["id"])
    # Edited: the threshold only
    body = two_of_three(it, maria, victor)
    body["conditions"]["oneTimeCostAbove"] = 800
    assert client.put(f"{API}/approval-workflows/{pk}", body, format="json").status_code == 200
    # Deleted
    assert client.delete(f"{API}/approval-workflows/{pk}").status_code == 204

    made, edited, deleted = changes_of("approval workflow")
    assert (made.action, made.actor, made.channel, made.before) == ("CREATED", ada, "API", None)
    assert made.target_name == "Big purchases" and made.target_id == str(pk)
    assert made.after["steps"] == [
        "1. 2 of 3: Approver group IT, Maria Lopez, Victor Hughes (reminder after 90 min)"
    ]
    assert made.after["one-time cost above"] == "500.00"
    # An edit keeps what changed, and only that
    assert (edited.action, edited.before, edited.after) == (
        "UPDATED",
        {"one-time cost above": "500.00"},
        {"one-time cost above": "800.00"},
    )
    assert deleted.action == "DELETED" and deleted.after is None
    assert deleted.before["name"] == "Big purchases"
    assert not ApprovalWorkflow.objects.filter(pk=pk).exists()


def test_moving_a_workflow_is_audited_with_the_order_tried(ada, demo):
    first, second = ApprovalWorkflow.objects.filter(tenant=demo.acme).order_by("priority", "id")[:2]

    workflows.move_workflow(workflow=second, direction="up", actor=ada)

    (moved,) = changes_of("approval workflow")
    assert moved.target_name == second.name
    assert moved.before["order tried"][:2] == [first.name, second.name]
    assert moved.after["order tried"][:2] == [second.name, first.name]


def test_a_preview_stores_no_audit_row(ada, demo, maria, victor, peter):
    it = EmployeeGroup.objects.get(tenant=demo.acme, name="IT")
    data = workflows_input(two_of_three(it, maria, victor), demo.acme)
    workflows.preview_draft(
        tenant=demo.acme, actor=ada, data=data, facts=OrderFacts.of_order(place_order(peter))
    )

    assert changes_of("approval workflow") == []


def workflows_input(body: dict, tenant: Tenant) -> dict:
    serializer = WorkflowInputSerializer(data=body, context={"tenant": tenant})
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def test_the_e_mail_link_switch_is_audited_from_the_page_and_the_api(ada, api_for, demo):
    # On the page: switched on
    page = browser_for(ada, csrf=False)
    response = page.post(
        reverse("manage:notifications"),
        {"enabled": ["APPROVAL_REQUESTED"], "email_link_decisions_without_sign_in": "on"},
    )
    assert response.status_code == 302
    # Through the API: switched off again, the events left as they are
    client = api_for(ada)
    answer = client.put(
        f"{API}/notification-settings",
        {"enabled": ["APPROVAL_REQUESTED"], "emailLinkDecisionsWithoutSignIn": False},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["notificationSettings"]["emailLinkDecisionsWithoutSignIn"] is False

    key = "decisions from e-mail links without signing in"
    switches = [e for e in changes_of("notification settings") if key in (e.after or {})]
    assert [(e.channel, e.before[key], e.after[key]) for e in switches] == [
        ("PAGE", False, True),
        ("API", True, False),
    ]
    assert Tenant.objects.get(pk=demo.acme.pk).email_link_decisions_without_sign_in is False
