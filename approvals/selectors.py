"""Reads of approval configuration shared by routing, pages and API."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from approvals.models import ApprovalStep, ApprovalStepSource, ApprovalWorkflow
from portal.models import Tenant


def workflows_of(tenant: Tenant) -> QuerySet[ApprovalWorkflow]:
    """A tenant's workflows in the order routing tries them, with their conditions, steps
    and the steps' sources."""
    return (
        ApprovalWorkflow.objects.filter(tenant=tenant)
        .prefetch_related(
            "departments",
            "regions",
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.prefetch_related(
                    Prefetch(
                        "sources",
                        queryset=ApprovalStepSource.objects.select_related(
                            "group", "employee", "hierarchy"
                        ),
                    )
                ),
            ),
        )
        .order_by("priority", "id")
    )
