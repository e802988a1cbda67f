"""Which workflow an order matches, and who may approve each of its steps.

Works on stored orders and on drafts alike (the preview), through OrderFacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from approvals import rules
from approvals.models import ApprovalWorkflow, StepRule
from approvals.selectors import workflows_of
from catalog.models import Recurrence
from orders.models import Order
from orders.services import OrderDraft
from portal import selectors as people
from portal.models import Employee, Hierarchy, Tenant


@dataclass(frozen=True)
class OrderFacts:
    """What routing looks at in an order."""

    tenant: Tenant
    transaction_type: str
    cost_onetime: Decimal
    cost_monthly: Decimal
    region_id: int | None
    requester: Employee
    # Maker-checker: these people never approve the order.
    makers: frozenset[int]
    # The hierarchy the order was placed under (X-TNGO-CONTEXT-HIERARCHYID): manager steps that
    # name none climb it, and escalations go up it. None: the tenant's default.
    hierarchy: Hierarchy | None = None

    @classmethod
    def of_order(cls, order: Order) -> OrderFacts:
        return cls(
            tenant=order.tenant,
            transaction_type=order.transaction_type,
            cost_onetime=order.cost_onetime,
            cost_monthly=order.cost_monthly,
            region_id=order.region_id,
            requester=order.requested_by,
            makers=order.maker_ids,
            hierarchy=order.hierarchy if order.hierarchy_id else None,
        )

    @classmethod
    def of_draft(
        cls, draft: OrderDraft, placed_by: Employee | None = None,
        hierarchy: Hierarchy | None = None,
    ) -> OrderFacts:  # fmt: skip
        ship_to = draft.request.ship_to
        return cls(
            tenant=draft.tenant,
            transaction_type=draft.request.transaction_type,
            cost_onetime=draft.cost(Recurrence.ONETIME),
            cost_monthly=draft.cost(Recurrence.MONTHLY),
            region_id=ship_to["region"].pk if ship_to else None,
            requester=draft.requested_by,
            makers=rules.makers(
                draft.requested_by.pk, draft.account_holder.pk, placed_by.pk if placed_by else None
            ),
            hierarchy=hierarchy,
        )


def matches(workflow: ApprovalWorkflow, facts: OrderFacts) -> bool:
    if workflow.transaction_types and facts.transaction_type not in workflow.transaction_types:
        return False
    if workflow.onetime_cost_above is not None and not (
        facts.cost_onetime > workflow.onetime_cost_above
    ):
        return False
    if workflow.monthly_cost_above is not None and not (
        facts.cost_monthly > workflow.monthly_cost_above
    ):
        return False
    departments = {d.pk for d in workflow.departments.all()}
    if departments and facts.requester.department_id not in departments:
        return False
    regions = {r.pk for r in workflow.regions.all()}
    return not regions or facts.region_id in regions


def matching_workflow(facts: OrderFacts) -> ApprovalWorkflow | None:
    """The first matching workflow in priority order; None: no approval needed."""
    return next(
        (wf for wf in workflows_of(facts.tenant).filter(is_active=True) if matches(wf, facts)),
        None,
    )


def approvers_for(rule: StepRule, facts: OrderFacts) -> tuple[list[Employee], bool]:
    """Who may decide one approver source of a step (a workflow's ApprovalStepSource, or a
    run's RunSeat): (approvers, escalated). A source whose approvers resolve to nobody eligible
    (no manager that far up, an inactive one, an empty group) goes to the tenant admins instead
    of stalling; makers and inactive employees are never among the approvers
    (rules.eligible_approvers). A step of several sources resolves each on its own."""
    candidates: list[Employee] = []
    if rule.kind == StepRule.Kind.MANAGER:
        manager = people.manager_of(
            facts.requester, hierarchy=rule.hierarchy or facts.hierarchy, levels=rule.manager_levels
        )
        candidates = [manager] if manager else []
    elif rule.kind == StepRule.Kind.GROUP and rule.group is not None:
        candidates = list(rule.group.members.active())
    elif rule.kind == StepRule.Kind.EMPLOYEE and rule.employee is not None:
        candidates = [rule.employee]
    approvers = rules.eligible_approvers(candidates, facts.makers)
    if approvers:
        return approvers, False
    return _tenant_admins(facts, besides=[]), True


def escalation_approvers(
    current: list[Employee], facts: OrderFacts, *, counted: frozenset[int] = frozenset()
) -> tuple[list[Employee], bool]:
    """Whom a step that waited too long escalates to: (added approvers, to the tenant admins).

    The managers (one level up the order's hierarchy) of its current approvers, each once
    (approvers sharing a manager, as in a group step, add them once); failing any eligible one,
    the tenant admins. Eligible as in approvers_for (rules.eligible_approvers: active, not a
    maker), never someone already an approver of the step, and never someone in `counted` (who
    has decided on the step already: a person counts once per step)."""
    managers = [people.manager_of(approver, hierarchy=facts.hierarchy) for approver in current]
    eligible = rules.eligible_approvers(filter(None, managers), facts.makers)
    added = [a for a in _besides(eligible, current) if a.pk not in counted]
    if added:
        return added, False
    return [a for a in _tenant_admins(facts, besides=current) if a.pk not in counted], True


def _tenant_admins(facts: OrderFacts, *, besides: list[Employee]) -> list[Employee]:
    """The tenant admins who may approve the order, but those in `besides`."""
    admins = Employee.objects.filter(tenant=facts.tenant, is_tenant_admin=True).active()
    return _besides(rules.eligible_approvers(admins, facts.makers), besides)


def each_once(groups) -> list[Employee]:
    """Everyone in these lists of employees, each once, in order (a step's sources' approvers
    taken together)."""
    everyone: dict[int, Employee] = {}
    for group in groups:
        for employee in group:
            everyone.setdefault(employee.pk, employee)
    return list(everyone.values())


def _besides(employees: list[Employee], others: list[Employee]) -> list[Employee]:
    taken = {other.pk for other in others}
    return [employee for employee in employees if employee.pk not in taken]
