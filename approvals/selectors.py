"""Reads of approval configuration shared by routing, pages and API, and what a decision reads."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet

from approvals.models import ApprovalStep, ApprovalStepSource, ApprovalWorkflow, RunSeat, RunStep
from orders.models import Order
from portal.models import Tenant
from portal.prepared import Prepared


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


# --- What a decision reads, under the order's lock (approvals.services.decide) ---------------
# Read by every decision: prepared (portal.prepared), as rows, with no model built but the step.


def locked_order(order_id: int, tenant_id: int) -> dict | None:
    """The tenant's order's row locked (FOR UPDATE, the order alone) with its run's, as the decision
    needs them: status, makers, and run (`run_id` None: not routed, or no workflow applies)."""
    rows = _locked_order(order_id, tenant_id)
    return rows[0] if rows else None


_locked_order = Prepared(
    lambda order_id, tenant_id: (
        Order.objects.select_for_update(of=("self",))
        .filter(pk=order_id, tenant_id=tenant_id)
        .values(
            "status",
            "requested_by_id",
            "account_holder_id",
            "placed_by_id",
            run_id=F("approval_run__id"),
            run_state=F("approval_run__state"),
            run_tenant_id=F("approval_run__tenant_id"),
            reason_required_to_approve=F("approval_run__reason_required_to_approve"),
            reason_required_to_reject=F("approval_run__reason_required_to_reject"),
        )
    )
)


@dataclass(frozen=True)
class SeatState:
    """A seat of the active step as a decision finds it: its stored answer (a Decision.Action,
    None: undecided), whom that counted for and who gave it, and the seat's approvers."""

    pk: int
    answer: str | None
    answered_for: int | None
    answered_by: int | None
    approver_ids: frozenset[int]


def active_step(run_id: int) -> tuple[RunStep | None, list[SeatState]]:
    """The run's active step (its policy, position and start: what a decision reads of it) and
    its seats by position, with their stored decisions and approvers; two prepared queries
    (a step without seats: its own query)."""
    rows = _active_seats(run_id)
    if not rows:
        return RunStep.objects.filter(run_id=run_id, state=RunStep.State.ACTIVE).first(), []
    first = rows[0]
    step = RunStep(
        pk=first["step_id"],
        run_id=run_id,
        state=RunStep.State.ACTIVE,
        position=first["step_position"],
        started_at=first["step_started_at"],
        rule=first["rule"],
        required=first["required"],
        reject_when=first["reject_when"],
    )
    rows = [row for row in rows if row["step_id"] == step.pk]  # one step is active at a time
    approvers: dict[int, set[int]] = {}
    for pair in _seat_approvers([row["id"] for row in rows]):
        approvers.setdefault(pair["runseat_id"], set()).add(pair["employee_id"])
    seats = [
        SeatState(
            pk=row["id"],
            answer=row["answer"],
            answered_for=row["answered_for"],
            answered_by=row["answered_by"],
            approver_ids=frozenset(approvers.get(row["id"], ())),
        )
        for row in rows
    ]
    return step, seats


_active_seats = Prepared(
    lambda run_id: (
        RunSeat.objects.filter(step__run_id=run_id, step__state=RunStep.State.ACTIVE)
        .order_by("step__position", "position")
        .values(
            "id",
            "step_id",
            step_position=F("step__position"),
            step_started_at=F("step__started_at"),
            rule=F("step__rule"),
            required=F("step__required"),
            reject_when=F("step__reject_when"),
            answer=F("decision__action"),
            answered_for=F("decision__decided_for_id"),
            answered_by=F("decision__decided_by_id"),
        )
    )
)
_seat_approvers = Prepared(
    lambda seat_ids: RunSeat.approvers.through.objects.filter(runseat_id__in=seat_ids).values(
        "runseat_id", "employee_id"
    )
)
