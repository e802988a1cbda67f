"""POST /approval-workflows/impact: what a change to the workflows would have done to the
tenant's recent orders, before it is saved (approvals.impact). Stores nothing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import impact
from approvals.models import ApprovalWorkflow
from approvals.workflow_input import WorkflowInputSerializer
from orders.api.serializers import person
from orders.requests.common import IdField, IdListField
from portal.api.views import api_context
from portal.exceptions import FieldProblem, RequestInvalid
from portal.services import require_tenant_admin
from portal.validation import flatten_errors

STAMP = serializers.DateTimeField().to_representation
CHANGES = ("workflow", "delete", "priorities")


def _tenant_workflows(ctx):
    return ApprovalWorkflow.objects.filter(tenant=ctx["tenant"])


class ImpactBodySerializer(serializers.Serializer):
    """Exactly one change, and how far back to replay."""

    workflow = serializers.DictField(
        required=False,
        help_text="A workflow as POST /approval-workflows takes it; with an `id`, an edit of "
        "that workflow.",
    )
    delete = IdField(name="Workflow", lookup=_tenant_workflows, required=False)
    priorities = IdListField(
        name="Workflow", lookup=_tenant_workflows, required=False, allow_empty=False,
        help_text="Every workflow's id in the new order, first tried first.",
    )  # fmt: skip
    days = serializers.IntegerField(
        min_value=1, max_value=impact.MAX_DAYS, default=impact.DEFAULT_DAYS
    )


class WorkflowIdSerializer(serializers.Serializer):
    id = IdField(name="Workflow", lookup=_tenant_workflows, required=False, allow_null=True)


def read_change(data, tenant) -> tuple[impact.WorkflowChange, int]:
    """The change and the days a body asks for; RequestInvalid listing every problem."""
    body = ImpactBodySerializer(data=data, context={"tenant": tenant})
    problems = [] if body.is_valid() else list(flatten_errors(body.errors))
    if not isinstance(data, dict):
        raise RequestInvalid(problems)
    given = [name for name in CHANGES if data.get(name) is not None]
    if len(given) != 1:
        problems.append(
            FieldProblem(
                "", "REQUIRED" if not given else "INVALID_VALUE",
                "Give exactly one of workflow, delete and priorities.",
            )
        )  # fmt: skip
    valid = body.validated_data if not problems else {}
    change = None
    if given == ["workflow"] and isinstance(data["workflow"], dict):
        change, workflow_problems = _draft(data["workflow"], tenant)
        problems += workflow_problems
    elif "priorities" in valid:
        ids = [workflow.pk for workflow in valid["priorities"]]
        problems += impact.priority_problems(tenant, ids)
        change = impact.PriorityOrder(ids)
    elif "delete" in valid:
        change = impact.WorkflowDeletion(valid["delete"])
    if problems:
        raise RequestInvalid(problems)
    return change, valid["days"]


def _draft(data: dict, tenant) -> tuple[impact.WorkflowDraft | None, list[FieldProblem]]:
    """The workflow of the body, validated as POST and PUT /approval-workflows validate theirs
    (an `id`: the tenant's workflow it edits), problems under `workflow.`."""
    identified = WorkflowIdSerializer(data=data, context={"tenant": tenant})
    if not identified.is_valid():
        return None, list(flatten_errors(identified.errors, "workflow"))
    edited = identified.validated_data.get("id")
    workflow = WorkflowInputSerializer(data=data, context={"tenant": tenant, "instance": edited})
    if not workflow.is_valid():
        return None, list(flatten_errors(workflow.errors, "workflow"))
    return impact.WorkflowDraft(workflow.validated_data, workflow=edited), []


class WorkflowImpact(APIView):
    """Replay the tenant's orders of the last `days` days by today's workflows and by the
    workflows as the change would leave them; lists the orders routed otherwise."""

    @extend_schema(
        request=ImpactBodySerializer,
        responses={200: dict},
        operation_id="approval_workflows_impact",
    )
    def post(self, request):
        ctx = api_context(request)
        # Tenant admins only, as every workflow endpoint (acting for someone does not count).
        actor = ctx.caller or ctx.actor
        require_tenant_admin(actor, ctx.tenant.pk)
        change, days = read_change(request.data, ctx.tenant)
        result = impact.impact_of(change, tenant=ctx.tenant, actor=actor, days=days)
        return Response(impact_representation(result))


# The summary's keys, as the answer names each effect.
SUMMARY_KEYS = {
    impact.Effect.MATCHED_ANOTHER_RULE: "matchedAnotherRule",
    impact.Effect.OTHER_APPROVERS: "otherApprovers",
    impact.Effect.NO_LONGER_NEEDS_APPROVAL: "noLongerNeedsApproval",
    impact.Effect.NOW_NEEDS_APPROVAL: "nowNeedsApproval",
}


def impact_representation(result: impact.Impact) -> dict:
    summary = {
        SUMMARY_KEYS[effect]: {
            "count": group.count,
            "amounts": [
                {
                    "currency": amount.currency,
                    "oneTime": float(amount.onetime),
                    "monthly": float(amount.monthly),
                }
                for amount in group.amounts
            ],
        }
        for effect, group in result.groups.items()
    }
    summary["unchanged"] = {"count": result.unchanged}
    return {
        "status": "SUCCESS",
        "days": result.days,
        "since": STAMP(result.since),
        "ordersReplayed": result.orders_replayed,
        "summary": summary,
        "orders": [_order(item) for item in result.orders],
        "truncated": result.truncated,
    }


def _order(item: impact.OrderImpact) -> dict:
    order = item.order
    return {
        "orderId": str(order.pk),
        "orderNumber": order.external_order_number,
        "requester": person(order.requested_by),
        "submitted": STAMP(order.submitted_at),
        "costSummary": {
            "currency": order.currency,
            "oneTime": float(order.cost_onetime),
            "monthly": float(order.cost_monthly),
        },
        "before": _routed(item.before),
        "after": _routed(item.after),
        "changes": list(item.effects),
    }


def _routed(routed: impact.Routed) -> dict:
    workflow = routed.workflow
    return {
        "workflow": {
            "id": str(workflow.id) if workflow.id is not None else None,
            "name": workflow.name,
            "draft": workflow.draft,
        }
        if workflow
        else None,
        "approvers": [[person(employee) for employee in level] for level in routed.approvers],
    }
