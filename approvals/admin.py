"""Django admin for platform operators: workflows are editable; runs and the decision audit are
records, shown read-only (the audit table also refuses UPDATE and DELETE in the database)."""

from django.contrib import admin

from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow, DecisionAudit, RunStep
from portal.web.forms import STORABLE_JSON


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    fields = [
        "position",
        "kind",
        "manager_levels",
        "hierarchy",
        "group",
        "employee",
        "reminder_delay_hours",
        "escalation_delay_hours",
    ]


@admin.register(ApprovalWorkflow)
class ApprovalWorkflowAdmin(admin.ModelAdmin):
    formfield_overrides = STORABLE_JSON
    list_display = ["name", "tenant", "priority", "is_active", "onetime_cost_above"]
    list_filter = ["tenant", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["departments", "regions"]
    inlines = [ApprovalStepInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    fields = ["position", "description", "state", "escalated_to_admins", "started_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
