"""A workflow as tenant admins write it (the API's body, the editor page's forms turned into it):
its shape and its rules, checked in one pass for the API and the page alike, every problem with
its dotted path. approvals.workflows.save_workflow stores what it validated."""

from __future__ import annotations

from rest_framework import serializers

from approvals.models import ApprovalWorkflow, StepPolicy, StepRule
from catalog.models import Region, TransactionType
from orders.requests import IdField
from portal.models import Department, Employee, EmployeeGroup, Hierarchy


def _tenant_rows(model, **filters):
    return lambda ctx: model.objects.filter(tenant=ctx["tenant"], **filters)


class _SourceFields(serializers.Serializer):
    """The fields naming one approver source, at a source or (the one-source form) a step."""

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


def _source(data: dict) -> dict:
    """One source as save_workflow stores it (ApprovalStepSource's fields); a GROUP source needs
    its group, an EMPLOYEE source its employee (the problem at that field)."""
    kind = data["kind"]
    if kind == StepRule.Kind.GROUP and not data.get("groupId"):
        raise serializers.ValidationError(
            {"groupId": [serializers.ErrorDetail("A group step needs groupId.", "required")]}
        )
    if kind == StepRule.Kind.EMPLOYEE and not data.get("employeeId"):
        raise serializers.ValidationError(
            {"employeeId": [serializers.ErrorDetail("Name the employee.", "required")]}
        )
    return {
        "kind": kind,
        "manager_levels": data.get("managerLevels") or 1,
        "hierarchy": data.get("hierarchyId") if kind == StepRule.Kind.MANAGER else None,
        "group": data.get("groupId") if kind == StepRule.Kind.GROUP else None,
        "employee": data.get("employeeId") if kind == StepRule.Kind.EMPLOYEE else None,
    }


class SourceInputSerializer(_SourceFields):
    """One approver source of a step: {"kind": "GROUP", "groupId": "3"}."""

    kind = serializers.ChoiceField(choices=StepRule.Kind.choices)

    def validate(self, data: dict) -> dict:
        return _source(data)


# Delays: up to 60 days for a reminder, 90 for an escalation.
MAX_REMINDER_MINUTES, MAX_ESCALATION_MINUTES = 60 * 24 * 60, 60 * 24 * 90


class StepInputSerializer(_SourceFields):
    """A step: its approver sources and the rule over them, with delays in minutes.

    The one-source form of before (kind, managerLevels, hierarchyId, groupId, employeeId at the
    step, delays in reminderDelayHours / escalationDelayHours) is still read, as one source."""

    approvers = SourceInputSerializer(many=True, required=False, allow_empty=False, max_length=10)
    kind = serializers.ChoiceField(choices=StepRule.Kind.choices, required=False)
    rule = serializers.ChoiceField(choices=StepPolicy.Rule.choices, default=StepPolicy.Rule.ANY)
    required = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True)
    rejectWhen = serializers.ChoiceField(
        choices=StepPolicy.RejectWhen.choices, default=StepPolicy.RejectWhen.ANY
    )
    reminderDelayMinutes = serializers.IntegerField(
        min_value=1, max_value=MAX_REMINDER_MINUTES, required=False, allow_null=True
    )
    escalationDelayMinutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ESCALATION_MINUTES, required=False, allow_null=True
    )
    reminderDelayHours = serializers.IntegerField(
        min_value=1, max_value=MAX_REMINDER_MINUTES // 60, required=False, allow_null=True
    )
    escalationDelayHours = serializers.IntegerField(
        min_value=1, max_value=MAX_ESCALATION_MINUTES // 60, required=False, allow_null=True
    )

    def validate(self, data: dict) -> dict:
        problems: dict[str, list] = {}
        if data.get("approvers"):
            sources = data["approvers"]
        elif data.get("kind"):
            sources = [_source(data)]
        else:
            sources = []
            problems["approvers"] = [
                serializers.ErrorDetail("Name at least one approver source.", "required")
            ]
        rule, required = data["rule"], data.get("required")
        if rule != StepPolicy.Rule.AT_LEAST:
            required = None
        elif required is None:
            problems["required"] = [
                serializers.ErrorDetail("Say how many sources must approve.", "required")
            ]
        elif sources and required > len(sources):
            problems["required"] = [
                serializers.ErrorDetail(
                    f"Only {len(sources)} sources can approve this step.", "TOO_MANY"
                )
            ]
        remind = _minutes(data, "reminderDelay")
        escalate = _minutes(data, "escalationDelay")
        if remind and escalate and escalate <= remind:
            field = (
                "escalationDelayMinutes"
                if data.get("escalationDelayMinutes")
                else "escalationDelayHours"
            )
            problems[field] = [
                serializers.ErrorDetail("Escalation must come after the reminder.", "invalid")
            ]
        if problems:
            raise serializers.ValidationError(problems)
        return {
            "sources": sources,
            "rule": rule,
            "required": required,
            "reject_when": data["rejectWhen"],
            "reminder_delay_minutes": remind,
            "escalation_delay_minutes": escalate,
        }


def _minutes(data: dict, name: str) -> int | None:
    """A delay in minutes, given in minutes or (as before) in hours."""
    if data.get(f"{name}Minutes"):
        return data[f"{name}Minutes"]
    hours = data.get(f"{name}Hours")
    return hours * 60 if hours else None


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
