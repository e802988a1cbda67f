"""Approval API shapes: decisions (seed 000), runs (seed 004's record), workflows."""

from __future__ import annotations

from rest_framework import serializers

from approvals import rules
from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunStep, StepRule
from catalog.models import Region, TransactionType
from orders.api.serializers import person
from orders.requests import IdField
from portal.api.serializers import absolute_url
from portal.models import Department, Employee, EmployeeGroup, Hierarchy

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
        "approvers": [person(a) for a in step.approvers.all()],
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


def _tenant_rows(model, **filters):
    return lambda ctx: model.objects.filter(tenant=ctx["tenant"], **filters)


class StepInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StepRule.Kind.choices)
    managerLevels = serializers.IntegerField(min_value=1, max_value=10, default=1)
    hierarchyId = IdField(
        name="Hierarchy", lookup=_tenant_rows(Hierarchy), required=False, allow_null=True
    )
    groupId = IdField(
        name="Approver group", lookup=_tenant_rows(EmployeeGroup), required=False, allow_null=True
    )
    employeeId = IdField(
        name="Employee", lookup=_tenant_rows(Employee), required=False, allow_null=True
    )
    reminderDelayHours = serializers.IntegerField(
        min_value=1, max_value=24 * 60, required=False, allow_null=True
    )
    escalationDelayHours = serializers.IntegerField(
        min_value=1, max_value=24 * 90, required=False, allow_null=True
    )

    def validate(self, data: dict) -> dict:
        kind = data["kind"]
        if kind == StepRule.Kind.GROUP and not data.get("groupId"):
            raise serializers.ValidationError(
                {"groupId": [serializers.ErrorDetail("A group step needs groupId.", "required")]}
            )
        if kind == StepRule.Kind.EMPLOYEE and not data.get("employeeId"):
            raise serializers.ValidationError(
                {"employeeId": [serializers.ErrorDetail("Name the employee.", "required")]}
            )
        remind, escalate = data.get("reminderDelayHours"), data.get("escalationDelayHours")
        if remind and escalate and escalate <= remind:
            raise serializers.ValidationError(
                {"escalationDelayHours": ["Escalation must come after the reminder."]}
            )
        return {
            "kind": kind,
            "manager_levels": data["managerLevels"],
            "hierarchy": data.get("hierarchyId") if kind == StepRule.Kind.MANAGER else None,
            "group": data.get("groupId") if kind == StepRule.Kind.GROUP else None,
            "employee": data.get("employeeId") if kind == StepRule.Kind.EMPLOYEE else None,
            "reminder_delay_hours": remind,
            "escalation_delay_hours": escalate,
        }


class ConditionsInputSerializer(serializers.Serializer):
    transactionTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=TransactionType.choices), default=list
    )
    oneTimeCostAbove = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    monthlyCostAbove = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    departmentIds = serializers.ListField(
        child=IdField(name="Department", lookup=_tenant_rows(Department)), default=list
    )
    regionIds = serializers.ListField(
        child=IdField(name="Region", lookup=lambda ctx: Region.objects.all()), default=list
    )


class WorkflowInputSerializer(serializers.Serializer):
    """A workflow as tenant admins write it. Context: tenant, instance (when updating)."""

    name = serializers.CharField(max_length=150)
    priority = serializers.IntegerField(min_value=0, max_value=100000, default=100)
    isActive = serializers.BooleanField(default=True)
    # Omitted conditions match every order. DRF hands a default over without validating it, so
    # it must already have the validated shape.
    conditions = ConditionsInputSerializer(
        default=lambda: {"transactionTypes": [], "departmentIds": [], "regionIds": []}
    )
    reasonRequiredToReject = serializers.BooleanField(default=True)
    reasonRequiredToApprove = serializers.BooleanField(default=False)
    steps = StepInputSerializer(many=True, allow_empty=False, max_length=10)

    def validate_name(self, name: str) -> str:
        others = ApprovalWorkflow.objects.filter(tenant=self.context["tenant"], name=name)
        if self.context.get("instance") is not None:
            others = others.exclude(pk=self.context["instance"].pk)
        if others.exists():
            raise serializers.ValidationError("A workflow with this name exists.", code="DUPLICATE")
        return name


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
