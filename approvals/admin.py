"""Django admin for platform operators: read only. Workflows are written by
approvals.workflows.save_workflow / delete_workflow, which audit and check them for a tenant
admin (the /manage/ editor and the API call them); runs, their steps and the decision audit are
records (the audit table also refuses UPDATE and DELETE in the database)."""

from django.contrib import admin

from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow, DecisionAudit, RunStep
from portal.admin import ReadOnlyAdmin, ReadOnlyInline


class ApprovalStepInline(ReadOnlyInline):
    model = ApprovalStep
    fields = ["position", "__str__", *ApprovalStep.POLICY_FIELDS]


@admin.register(ApprovalWorkflow)
class ApprovalWorkflowAdmin(ReadOnlyAdmin):
    list_display = ["name", "tenant", "priority", "is_active", "onetime_cost_above"]
    list_filter = ["tenant", "is_active"]
    search_fields = ["name"]
    inlines = [ApprovalStepInline]


class RunStepInline(ReadOnlyInline):
    model = RunStep
    fields = ["position", "description", "state", "escalated_to_admins", "started_at"]


@admin.register(ApprovalRun)
class ApprovalRunAdmin(ReadOnlyAdmin):
    list_display = ["order", "tenant", "workflow_name", "state", "started_at", "ended_at"]
    list_filter = ["tenant", "state"]
    list_select_related = ["order", "tenant"]
    inlines = [RunStepInline]


@admin.register(DecisionAudit)
class DecisionAuditAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "tenant",
        "order",
        "action",
        "outcome",
        "refusal_code",
        "actor",
        "caller",
    ]
    list_filter = ["tenant", "outcome"]
    list_select_related = ["tenant", "order", "actor", "caller"]
    search_fields = ["correlation_id", "client_id"]
