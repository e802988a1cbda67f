"""Approval API shapes: decisions (seed 000), runs (seed 004's record), workflows."""

from __future__ import annotations

from rest_framework import serializers

from approvals import rules
from approvals.models import (
    ApprovalRun,
    ApprovalStep,
    ApprovalWorkflow,
    Decision,
    RunStep,
    StepRule,
)
from orders.api.serializers import person
from portal.api.inputs import TextField
from portal.api.serializers import absolute_url

STAMP = serializers.DateTimeField().to_representation


class DecisionBodySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Decision.Action.choices)
    # The pages' forms refuse a too-long reason with the same limit and message.
    reason = TextField(
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
    """A run's step with its rule and its seats (`sources`), each with its approvers and its
    answer; `decision` is the one that decided the step (or its only one)."""
    seats = list(step.seats.all())
    return {
        "level": step.position,
        "description": step.description,
        "state": step.state,
        "approvers": [person(a) for a in step.approvers],
        "escalatedToAdmins": step.escalated_to_admins,
        "startTime": STAMP(step.started_at) if step.started_at else None,
        "decision": _decision(step.decision),
        "rule": step.rule,
        "required": step.needed(len(seats)),
        "rejectWhen": step.reject_when,
        "sources": [
            {
                "description": seat.description,
                "state": seat.state,
                "approvers": [person(a) for a in seat.approvers.all()],
                "decision": _decision(seat.answer),
            }
            for seat in seats
        ],
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
        "steps": [_workflow_step(step) for step in workflow.steps.all()],
    }


def _source(source: StepRule | None) -> dict:
    return {
        "kind": source.kind if source else None,
        "managerLevels": source.manager_levels if source else None,
        "hierarchyId": _id(source.hierarchy_id) if source else None,
        "groupId": _id(source.group_id) if source else None,
        "employeeId": _id(source.employee_id) if source else None,
    }


def _workflow_step(step: ApprovalStep) -> dict:
    """A step as the API writes it (approvers, rule, delays in minutes), with the one-source
    form's flat fields beside (null for several sources) and the delays in hours (whole or
    not), for the clients that read those."""
    sources = list(step.sources.all())
    only = sources[0] if len(sources) == 1 else None
    return {
        "level": step.position,
        "description": step.describe(),
        **_source(only),
        "approvers": [{"description": source.describe(), **_source(source)} for source in sources],
        "rule": step.rule,
        "required": step.required,
        "rejectWhen": step.reject_when,
        "reminderDelayMinutes": step.reminder_delay_minutes,
        "escalationDelayMinutes": step.escalation_delay_minutes,
        "reminderDelayHours": _hours(step.reminder_delay_minutes),
        "escalationDelayHours": _hours(step.escalation_delay_minutes),
    }


def _hours(minutes: int | None) -> int | float | None:
    if minutes is None:
        return None
    return minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 2)


def _money(value) -> float | None:
    return float(value) if value is not None else None


def _id(value) -> str | None:
    return str(value) if value is not None else None
