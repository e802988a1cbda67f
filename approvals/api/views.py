"""Approvals API: decide (seed 000), the run record, the inbox, workflow configuration."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import selectors, services, workflows
from approvals.api.serializers import (
    DecisionBodySerializer,
    run_representation,
    workflow_representation,
)
from approvals.exceptions import NoApprovalRun
from approvals.models import ApprovalRun, Decision, RunSeat
from approvals.routing import OrderFacts
from approvals.workflow_input import WorkflowInputSerializer
from orders import drafts as order_drafts
from orders import selectors as order_selectors
from orders.api.serializers import OrderSerializer
from orders.api.views import OrderBodySerializer, represented_in_order
from orders.requests import parse_order_request
from portal.api.views import ScopedQuerysetMixin, api_context
from portal.services import require_tenant_admin


class OrderApproval(APIView):
    """POST: approve or reject the order's current step. GET: the approval run record."""

    @extend_schema(request=DecisionBodySerializer, responses={200: dict})
    def post(self, request, pk: int):
        ctx = api_context(request)
        body = DecisionBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Any order of the tenant: a non-approver gets 403 (SPEC), another tenant's order 404
        # (decide reads the order itself, scoped to the tenant, under its lock).
        outcome = services.decide(
            services.DecisionRequest(
                order=services.OrderReference(pk=pk, tenant_id=ctx.tenant.pk),
                actor=ctx.actor,
                caller=ctx.caller,
                action=body.validated_data["action"],
                reason=body.validated_data["reason"] or "",
                communication=body.validated_data["communicationWorkflow"],
                client_id=ctx.client_id,
                channel=Decision.Channel.API,
                ip_address=request.META.get("REMOTE_ADDR"),
                correlation_id=getattr(request, "correlation_id", ""),
            )
        )
        return Response({"status": outcome})

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        ctx = api_context(request)
        order = get_object_or_404(order_selectors.orders_visible_to(ctx.actor), pk=pk)
        run = (
            ApprovalRun.objects.filter(order=order)
            .select_related("order")
            .prefetch_related(
                Prefetch(
                    "steps__seats",
                    queryset=RunSeat.objects.select_related(
                        "decision__decided_by", "decision__decided_for"
                    ).prefetch_related("approvers"),
                ),
                "order__approvers__employee",
            )
            .first()
        )
        if run is None:
            raise NoApprovalRun(f"Order {order.pk} has no approval run (none needed, or not yet).")
        return Response({"approval": run_representation(run, request)})


class ApprovalInbox(ScopedQuerysetMixin, generics.ListAPIView):
    """Orders awaiting the caller's decision, oldest first, with cost, requester and approvers."""

    serializer_class = OrderSerializer
    collection_name = "orders"
    deferred_join = True  # a deep page reads its own rows only (ordering: id last)

    def scoped_queryset(self, ctx):
        return order_selectors.awaiting_decision_by(ctx.actor).order_by(
            *order_selectors.INBOX_ORDER
        )

    def count_rows(self, orders) -> int:
        return order_selectors.count_awaiting_decision_by(api_context(self.request).actor)

    def page_ids(self, orders, offset: int, limit: int) -> list[int]:
        return order_selectors.awaiting_ids(api_context(self.request).actor, offset, limit)

    def page_rows(self, ids: list[int]) -> list[dict]:
        return represented_in_order(self.request, ids, segments=False, approvers=True)

    def list(self, request, *args, **kwargs):
        # The count, the page's ids and its rows are prepared reads (above), none of them of
        # the queryset: building it anyway was a quarter of its CPU.
        return self.get_paginated_response(self.paginate_queryset(None))


def _workflows(ctx):
    """The tenant's workflows, for its admins only (acting for someone else does not count)."""
    require_tenant_admin(ctx.caller or ctx.actor, ctx.tenant.pk)
    return selectors.workflows_of(ctx.tenant)


class WorkflowList(APIView):
    @extend_schema(responses={200: dict}, operation_id="approval_workflows_list")
    def get(self, request):
        ctx = api_context(request)
        items = [workflow_representation(wf, request) for wf in _workflows(ctx)]
        meta = {"href": request.build_absolute_uri(), "limit": max(len(items), 1), "offset": 0,
                "totalCount": len(items)}  # fmt: skip
        return Response({"workflows": {"_meta": meta, "items": items}})

    @extend_schema(request=WorkflowInputSerializer, responses={201: dict})
    def post(self, request):
        ctx = api_context(request)
        _workflows(ctx)
        body = WorkflowInputSerializer(data=request.data, context={"tenant": ctx.tenant})
        body.is_valid(raise_exception=True)
        workflow = workflows.save_workflow(
            tenant=ctx.tenant, actor=ctx.caller or ctx.actor, data=body.validated_data
        )
        workflow = _workflows(ctx).get(pk=workflow.pk)
        return Response(
            {"workflow": workflow_representation(workflow, request), "status": "SUCCESS"},
            status=status.HTTP_201_CREATED,
        )


class WorkflowDetail(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        workflow = get_object_or_404(_workflows(api_context(request)), pk=pk)
        return Response({"workflow": workflow_representation(workflow, request)})

    @extend_schema(request=WorkflowInputSerializer, responses={200: dict})
    def put(self, request, pk: int):
        ctx = api_context(request)
        workflow = get_object_or_404(_workflows(ctx), pk=pk)
        body = WorkflowInputSerializer(
            data=request.data, context={"tenant": ctx.tenant, "instance": workflow}
        )
        body.is_valid(raise_exception=True)
        workflows.save_workflow(
            tenant=ctx.tenant,
            actor=ctx.caller or ctx.actor,
            data=body.validated_data,
            workflow=workflow,
        )
        workflow = _workflows(ctx).get(pk=workflow.pk)
        return Response(
            {"workflow": workflow_representation(workflow, request), "status": "SUCCESS"}
        )

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        workflow = get_object_or_404(_workflows(ctx), pk=pk)
        workflows.delete_workflow(workflow=workflow, actor=ctx.caller or ctx.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowPreview(APIView):
    """Which workflow an order request would match, and who would approve each step."""

    @extend_schema(request=OrderBodySerializer, responses={200: dict})
    def post(self, request):
        ctx = api_context(request)
        _workflows(ctx)
        order_request = parse_order_request(request.data, tenant=ctx.tenant, actor=ctx.actor)
        draft = order_drafts.draft_order(tenant=ctx.tenant, actor=ctx.actor, request=order_request)
        result = workflows.preview(
            OrderFacts.of_draft(draft, placed_by=ctx.caller, hierarchy=ctx.hierarchy)
        )
        workflow = result.workflow
        return Response(
            {
                "status": "SUCCESS",
                "approvalNeeded": workflow is not None,
                "workflow": {"id": str(workflow.pk), "name": workflow.name} if workflow else None,
                "steps": [
                    {
                        "level": step.level,
                        "description": step.description,
                        "escalatedToAdmins": step.escalated_to_admins,
                        "approvers": [_preview_person(a) for a in step.approvers],
                        "rule": step.rule,
                        "required": step.needed,
                        "rejectWhen": step.reject_when,
                        "sources": [
                            {
                                "description": source.description,
                                "escalatedToAdmins": source.escalated_to_admins,
                                "approvers": [_preview_person(a) for a in source.approvers],
                            }
                            for source in step.sources
                        ],
                    }
                    for step in result.steps
                ],
            }
        )


def _preview_person(employee) -> dict:
    return {"id": str(employee.pk), "name": employee.full_name, "email": employee.email}
