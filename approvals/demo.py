"""Demo approval configuration: Peter's seed 002 order (44.98 USD) goes to his manager, then IT;
every other transaction type has a rule a company would plausibly set (none for resuming a
line or swapping to another device the employee has)."""

from __future__ import annotations

from decimal import Decimal

from approvals.models import ApprovalStep, ApprovalStepSource, ApprovalWorkflow, StepRule
from catalog.models import TransactionType
from portal.models import Employee, EmployeeGroup, Tenant

# Delays in minutes: a reminder after a day, an escalation after three.
DELAYS = {"reminder_delay_minutes": 24 * 60, "escalation_delay_minutes": 72 * 60}
MANAGER = {"sources": [{"kind": StepRule.Kind.MANAGER, "manager_levels": 1}], **DELAYS}


def load(tenants: dict[str, Tenant]) -> None:
    acme, globex = tenants["acme"], tenants["globex"]
    it, _ = EmployeeGroup.objects.get_or_create(tenant=acme, name="IT")
    it.members.set(Employee.objects.filter(tenant=acme, user__username__in=["ian", "ada"]))
    accessories = [TransactionType.ORDER_ACCESSORIES.value]
    _workflow(
        acme,
        "Accessories over 40 USD",
        priority=10,
        transaction_types=accessories,
        onetime_cost_above=Decimal("40"),
        steps=[
            MANAGER,
            {"sources": [{"kind": StepRule.Kind.GROUP, "group": it}], **DELAYS},
        ],
    )
    _workflow(acme, "Accessories", priority=20, transaction_types=accessories, steps=[MANAGER])
    it_step = {"sources": [{"kind": StepRule.Kind.GROUP, "group": it}], **DELAYS}
    T = TransactionType
    _workflow(
        acme,
        "New lines and ports",
        priority=30,
        transaction_types=[T.NEW_ACTIVATION.value, T.PORT_NUMBER.value],
        steps=[MANAGER, it_step],
    )
    _workflow(acme, "Upgrades", priority=40, transaction_types=[T.UPGRADE.value], steps=[MANAGER])
    _workflow(
        acme, "Suspensions", priority=50, transaction_types=[T.SUSPEND.value], steps=[MANAGER]
    )
    _workflow(
        acme,
        "Deactivations",
        priority=60,
        transaction_types=[T.DEACTIVATE.value],
        steps=[MANAGER, it_step],
    )
    _workflow(
        acme,
        "Features costing more",
        priority=70,
        transaction_types=[T.UPDATE_FEATURES.value],
        monthly_cost_above=Decimal("0"),
        steps=[MANAGER],
    )
    _workflow(globex, "Manager approval", priority=10, steps=[MANAGER])


def _workflow(tenant: Tenant, name: str, *, steps: list[dict], **fields) -> None:
    workflow, _ = ApprovalWorkflow.objects.update_or_create(
        tenant=tenant, name=name, defaults=fields
    )
    workflow.steps.all().delete()
    for position, step in enumerate(steps, start=1):
        fields = {name: value for name, value in step.items() if name != "sources"}
        row = ApprovalStep.objects.create(workflow=workflow, position=position, **fields)
        for n, source in enumerate(step["sources"], start=1):
            ApprovalStepSource.objects.create(step=row, position=n, **source)
