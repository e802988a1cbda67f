"""Approval API shapes: decisions (seed 000), runs (seed 004's record), workflows."""

from __future__ import annotations

from rest_framework import serializers

from approvals import rules
from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunStep
from orders.api.serializers import person
from portal.api.serializers import absolute_url

STAMP = serializers.DateTimeField().to_representation


class DecisionBodySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Decision.Action.choices)
    # The pages' forms refuse a too-long reason with the same limit and message.
    reason = serializers.CharField(
        max_length=rules.MAX_REASON, required=False, allow_blank=True, allow_null=True,
        default="", error_messages={"max_length": rules.REASON_TOO_LONG},
    )  # fmt: skip
    communicationWorkflow = serializers.ChoiceField(
        choices=Decision.Communication.choices, required=False, default="Default"
    )


def _decision(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    on_behalf = decision.decided_for if decision.decided_for_id != decision.decided_by_id else None
    return {
        "action": decision.action,
        "reason": decision.reason,
        "decidedBy": person(decision.decided_by),
        "onBehalfOf": person(on_behalf),
        "dateTime": STAMP(decision.created_at),
        "communicationWorkflow": decision.communication,
        "channel": decision.channel,  # PAGE, API or EMAIL_LINK
        "applied": decision.applied_at is not None,
    }


def _step(step: RunStep) -> dict:
    return {
        "level": step.position,
        "description": step.description,
        "state": step.state,
        "approvers": [person(a) for a in step.approvers],
        "escalatedToAdmins": step.escalated_to_admins,
        "startTime": STAMP(step.started_at) if step.started_at else None,
        "decision": _decision(getattr(step, "decision", None)),
    }


def run_representation(run: ApprovalRun, request) -> dict:
    """The approval run record: state, times, workflow, steps with decisions, checks."""
    return {
        "_meta": {"href": absolute_url(request, "order-approval", pk=run.order_id)},
        "orderId": str(run.order_id),
        "state": run.state,
        "startTime": STAMP(run.started_at),
        "endTime": STAMP(run.ended_at) if run.ended_at else None,
        "workflow": {
            "id": str(run.workflow_id) if run.workflow_id else None,
            "name": run.workflow_name,
        },
        "reasonRequiredToReject": run.reason_required_to_reject,
        "reasonRequiredToApprove": run.reason_required_to_approve,
        "steps": [_step(step) for step in run.steps.all()],
        "checks": run.checks,
    }


# --- Workflows ------------------------------------------------------------------------------


def workflow_representation(workflow: ApprovalWorkflow, request) -> dict:
    return {
        "_meta": {"href": absolute_url(request, "workflow-detail", pk=workflow.pk)},
        "id": str(workflow.pk),
        "name": workflow.name,
        "priority": workflow.priority,
        "isActive": workflow.is_active,
        "conditions": {
            "transactionTypes": workflow.transaction_types,
            "oneTimeCostAbove": _money(workflow.onetime_cost_above),
            "monthlyCostAbove": _money(workflow.monthly_cost_above),
            "departmentIds": [str(d.pk) for d in workflow.departments.all()],
            "regionIds": [str(r.pk) for r in workflow.regions.all()],
        },
        "reasonRequiredToReject": workflow.reason_required_to_reject,
        "reasonRequiredToApprove": workflow.reason_required_to_approve,
        "steps": [
            {
                "level": step.position,
                "kind": step.kind,
                "description": step.describe(),
                "managerLevels": step.manager_levels,
                "hierarchyId": _id(step.hierarchy_id),
                "groupId": _id(step.group_id),
                "employeeId": _id(step.employee_id),
                "reminderDelayHours": step.reminder_delay_hours,
                "escalationDelayHours": step.escalation_delay_hours,
            }
            for step in workflow.steps.all()
        ],
    }


def _money(value) -> float | None:
    return float(value) if value is not None else None


def _id(value) -> str | None:
    return str(value) if value is not None else None
