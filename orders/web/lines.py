"""Line pages: a line with its device, plan and open orders, and the care actions its status
allows (suspend, resume, deactivate, change features, swap devices, transfer it to its holder
personally; an upgrade and a port to another carrier start here too, on their procurement pages).

Which actions a line allows now, and why not (its status, its device, an open order in the
way), is orders.rules', in the words the order request uses too; every other rule of a care
order is orders.requests'. These views lay them out, read a care form into a MobProc body and
hand it to the shared review page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from catalog import permissions as catalog_permissions
from catalog import selectors as catalog_selectors
from catalog.models import (
    ServiceAsset,
    TransactionType,
)
from orders import conflicts, moves, rules, selectors
from orders.models import Order
from orders.web.forms import Choice, Input
from portal import selectors as portal_selectors
from portal.exceptions import DomainError, FieldProblem, RequestInvalid
from portal.ids import is_id
from portal.models import Employee
from portal.web.pages import employee_required

T = TransactionType
RECENT_ORDERS = 5


@dataclass(frozen=True)
class Action:
    """How pages name and explain one transaction type done to a line."""

    type: str
    title: str
    summary: str  # one line on the line page
    slug: str = ""  # its care page, /lines/<pk>/<slug>/; "" when another page handles it
    danger: bool = False
    # What happens, in plain words, on the care page ({carrier}, {device} filled in).
    explanation: tuple[str, ...] = ()


ACTIONS = {
    T.ORDER_ACCESSORIES: Action(
        T.ORDER_ACCESSORIES, "Order accessories", "Chargers, cases and headsets that fit."
    ),
    T.UPGRADE: Action(T.UPGRADE, "Upgrade", "A new device for this line, and a new plan if due."),
    T.PORT_NUMBER: Action(
        T.PORT_NUMBER,
        "Port to another carrier",
        "Keep the number on another carrier's plan, with a device of theirs.",
    ),
    T.SUSPEND: Action(
        T.SUSPEND,
        "Suspend",
        "Pause calls and data for a while; the number is kept.",
        slug="suspend",
        explanation=(
            "Calls, texts and data stop until the line is resumed.",
            "You keep the number, the plan and the device; resume the line whenever you need "
            "it again.",
        ),
    ),
    T.UNSUSPEND: Action(
        T.UNSUSPEND,
        "Resume",
        "Calls and data work again, on the same number.",
        slug="unsuspend",
        explanation=(
            "Calls, texts and data work again, on the same number.",
            "Plan, features and device are as they were before the suspension.",
        ),
    ),
    T.DEACTIVATE: Action(
        T.DEACTIVATE,
        "Deactivate",
        "Close the line for good; the number is released.",
        slug="deactivate",
        danger=True,
        explanation=(
            "The line is closed for good: the number is released and the device is taken off "
            "the line.",
            "The plan and its features are no longer billed.",
            "This cannot be undone: for a phone line again, you would order a new line.",
        ),
    ),
    T.UPDATE_FEATURES: Action(
        T.UPDATE_FEATURES,
        "Change features",
        "Add or remove optional features of the plan.",
        slug="features",
        explanation=(
            "Tick a feature to add it, untick one to remove it.",
            "The monthly bill changes by the features' prices once {carrier} has made the change.",
        ),
    ),
    T.SWAP_DEVICES: Action(
        T.SWAP_DEVICES,
        "Swap devices",
        "Move the line to another phone you have.",
        slug="swap",
        explanation=(
            "The line moves from your {device} to the device you name below.",
            "The number, the plan and its features stay as they are.",
            "Nothing is shipped: you have the new device already.",
        ),
    ),
    T.XFER_SERVICE_OUT: Action(
        T.XFER_SERVICE_OUT,
        "Transfer to me personally",
        "Keep the number and the device on an account of your own.",
        slug="transfer-out",
        danger=True,
        explanation=(
            "{carrier} moves the number from the company's account to a personal account in "
            "your name; you keep the {device}.",
            "From then on you pay the bills: the company no longer does, and the line is no "
            "longer one of its lines.",
            "To bring it back later, you would transfer it in again.",
        ),
    ),
}
CARE_ACTIONS = {action.slug: action for action in ACTIONS.values() if action.slug}


def line_or_404(employee, pk: int) -> ServiceAsset:
    """One of the lines the employee may see (their own; any of the tenant's for an admin)."""
    return get_object_or_404(catalog_selectors.services_visible_to(employee), pk=pk)


# --- The line page ------------------------------------------------------------------------------


@dataclass
class LineAction:
    action: Action
    url: str
    # Why it is not possible now (orders.rules): an open order in the way, or the line itself.
    blocker: rules.Blocker | None = None
    rival: Order | None = None  # the open order this one would conflict with

    @property
    def available(self) -> bool:
        return self.blocker is None


def _action_url(service: ServiceAsset, action: Action) -> str:
    if action.type == T.ORDER_ACCESSORIES:
        return f"{reverse('catalog:accessories')}?service={service.pk}"
    if action.type == T.UPGRADE:
        return reverse("orders:upgrade", args=[service.pk])
    if action.type == T.PORT_NUMBER:
        return reverse("orders:port", args=[service.pk])
    return reverse("orders:care", args=[service.pk, action.slug])


def _line_actions(service: ServiceAsset, open_orders: list[Order]) -> list[LineAction]:
    """Exactly the actions the line's status allows, each with the oldest open order it would
    conflict with (as orders.conflicts.conflicting_order finds it, without a query per action)
    or else what the line lacks for it (orders.rules.care_blocker)."""
    actions = []
    for kind in service.order_actions:
        action = ACTIONS[kind]
        rivals = (o for o in open_orders if conflicts.conflicts(kind, o.transaction_type))
        rival = next(rivals, None)
        blocker = rules.rival_note(rival) if rival else rules.care_blocker(service, kind)
        actions.append(LineAction(action, _action_url(service, action), blocker, rival))
    return actions


@employee_required
def line_detail(request, pk: int):
    return _line_page(request, line_or_404(request.employee, pk))


def _line_page(request, service: ServiceAsset, *, move: MoveInputs | None = None, status=200):
    employee = request.employee
    line_orders = Order.objects.filter(tenant_id=employee.tenant_id, service=service)
    # Every open order on the line counts for conflicts, as the order request counts them.
    open_orders = list(
        line_orders.filter(status__in=conflicts.OPEN_STATUSES).order_by("submitted_at", "pk")
    )
    for order in open_orders:
        order.can_open = employee.is_tenant_admin or employee.pk in order.maker_ids
    recent_orders = (
        selectors.orders_visible_to(employee)
        .filter(service=service)
        .exclude(status__in=conflicts.OPEN_STATUSES)
        .order_by("-submitted_at", "-pk")[:RECENT_ORDERS]
    )
    features = list(service.features.all())
    eligible = service.upgrade_eligibility_date
    actions = _line_actions(service, open_orders)
    context = {
        "service": service,
        "device": getattr(service, "device", None),
        "features": features,
        "monthly": service.monthly_cost(),
        "currency": service.plan.price_currency if service.plan else "USD",
        "eligible_date": eligible,
        "eligible_now": eligible is not None and rules.upgrade_period_blocker(service) is None,
        "actions": actions,
        # What to do about an open order in the way is said once, not beside every action.
        "blocked_by_orders": any(a.rival is not None for a in actions),
        "open_orders": open_orders,
        "recent_orders": list(recent_orders),
        # Move to another employee: for those who may (catalog.permissions), not the holder.
        "move": move or MoveInputs.for_line(employee, service),
    }
    return render(request, "orders/line_detail.html", context, status=status)


# --- Moving the line to another employee (tutorials/move, through orders.moves) ----------------


@dataclass
class MoveInputs:
    """The line page's move form: the new holder (active employees of the tenant but the
    holder) and which charges go with the line; each problem of orders.moves beside its input."""

    new_owner: Input
    move_charges: Input
    errors: list[str]

    CHARGES = [
        Choice("MOVE_NO_CHARGES", "None"),
        Choice("MOVE_CHARGES_FOR_LAST_MONTH_ONLY", "Last month's only"),
        Choice("MOVE_ALL_CHARGES", "All of them"),
    ]

    @classmethod
    def for_line(cls, employee, service: ServiceAsset, data=None) -> MoveInputs | None:
        if not catalog_permissions.can_move_service(employee, service):
            return None
        people = (
            portal_selectors.employees_of(service.tenant)
            .filter(status=Employee.Status.ACTIVE)
            .exclude(pk=service.account_holder_id)
            .order_by("last_name", "first_name")
        )
        data = data or {}
        owner = Input(
            "new_owner", "New holder", "select", "newOwnerEmployeeId", required=True,
            value=str(data.get("new_owner", "")),
            choices=[Choice(str(p.pk), f"{p.full_name} ({p.company_employee_id})") for p in people],
        )  # fmt: skip
        charges = Input(
            "move_charges", "Charges that go with it", "select", "moveCharges", required=True,
            value=str(data.get("move_charges", "MOVE_NO_CHARGES")), choices=cls.CHARGES,
        )  # fmt: skip
        return cls(owner, charges, [])

    def show_problems(self, problems: list[FieldProblem]) -> None:
        by_path = {self.new_owner.path: self.new_owner, self.move_charges.path: self.move_charges}
        for problem in problems:
            item = by_path.get(problem.field)
            (item.errors if item is not None else self.errors).append(problem.message)


@employee_required
@require_http_methods(["POST"])
def line_move(request, pk: int):
    """Give the line to the employee chosen; the line page again with every problem (400)."""
    employee = request.employee
    service = line_or_404(employee, pk)
    move = MoveInputs.for_line(employee, service, request.POST)
    if move is None:
        raise PermissionDenied("You may not move this line to someone else.")
    raw = move.new_owner.value
    owner = (
        portal_selectors.employee_in_tenant(employee.tenant, pk=int(raw)) if is_id(raw) else None
    )
    try:
        moves.move_line(
            service=service, new_owner=owner, move_charges=move.move_charges.value, actor=employee
        )
    except RequestInvalid as exc:
        move.show_problems(exc.problems)
        return _line_page(request, service, move=move, status=400)
    except DomainError as exc:
        move.errors.append(exc.message)
        return _line_page(request, service, move=move, status=400)
    messages.success(request, f"Line {service.service_number} is {owner.full_name}'s now.")
    if not catalog_selectors.services_visible_to(employee).filter(pk=pk).exists():
        return redirect("orders:home")
    return redirect("orders:line", pk=pk)
