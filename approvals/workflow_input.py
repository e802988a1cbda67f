"""A workflow as tenant admins write it (the API's body, the editor page's forms turned into it):
its shape and its rules, checked in one pass for the API and the page alike, every problem with
its dotted path. approvals.services.save_workflow stores what it validated."""

from __future__ import annotations

from rest_framework import serializers

from approvals.models import ApprovalWorkflow, StepRule
from catalog.models import Region, TransactionType
from orders.requests import IdField
from portal.models import Department, Employee, EmployeeGroup, Hierarchy


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
