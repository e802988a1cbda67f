"""An order before it is stored: its lines priced as the catalog has them now, its segments per
vendor, its totals. Drafting writes nothing: the review page and the API's confirm mode show a
draft, orders.services.submit_order stores one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from catalog.models import TransactionType, Vendor
from orders.models import (
    SHIPPED_KINDS,
    OrderItem,
)
from orders.requests import OrderRequest
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Tenant


@dataclass(frozen=True)
class DraftLine:
    """One item of an order before it is stored; prices as the catalog has them now. A REMOVE
    line (a feature or plan dropped) takes its price off the monthly cost."""

    kind: str
    catalog_item: object
    vendor: Vendor
    name: str
    image_url: str
    manufacturer: object
    amount: Decimal
    currency: str
    recurrence: str
    action: str = OrderItem.Action.ADD

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.action == OrderItem.Action.REMOVE else self.amount

    @property
    def ships(self) -> bool:
        return self.kind in SHIPPED_KINDS


def _draft_line(kind: str, item, vendor: Vendor, *, action: str = OrderItem.Action.ADD):
    return DraftLine(
        kind=kind,
        catalog_item=item,
        vendor=vendor,
        name=str(item),
        image_url=getattr(item, "image_url", ""),
        manufacturer=getattr(item, "manufacturer", None),
        amount=item.price_amount,
        currency=item.price_currency,
        recurrence=item.price_recurrence,
        action=action,
    )


@dataclass
class OrderDraft:
    """A validated order, not yet stored: what confirm mode shows and submit stores."""

    tenant: Tenant
    request: OrderRequest
    requested_by: Employee
    account_holder: Employee
    lines: list[DraftLine]

    @property
    def currency(self) -> str:
        return self.lines[0].currency if self.lines else "USD"

    def cost(self, recurrence: str) -> Decimal:
        """What the order costs once (ONETIME), or changes the monthly bill by (MONTHLY)."""
        return sum(
            (line.signed_amount for line in self.lines if line.recurrence == recurrence),
            Decimal("0"),
        )

    @property
    def ships(self) -> bool:
        return any(line.ships for line in self.lines)

    def lines_by_vendor(self) -> dict[Vendor, list[DraftLine]]:
        """One segment per vendor; a care order goes to the line's carrier even with no items
        (the carrier makes the change)."""
        grouped: dict[Vendor, list[DraftLine]] = defaultdict(list)
        if self.request.is_care and self.request.service is not None:
            grouped[self.request.service.vendor] = []
        for line in self.lines:
            grouped[line.vendor].append(line)
        return dict(grouped)


def _order_lines(request: OrderRequest) -> list[DraftLine]:
    """The items of a request, each with the vendor that fulfils it."""
    K, A = OrderItem.Kind, OrderItem.Action
    service, plan = request.service, request.plan
    lines = []
    if request.device is not None:
        carrier = request.device.vendor or (plan.vendor if plan else service.vendor)
        lines.append(_draft_line(K.DEVICE, request.device, carrier))
    current_features = list(service.features.all()) if service else []
    if plan is not None and (service is None or plan.pk != service.plan_id):
        lines.append(_draft_line(K.PLAN, plan, plan.vendor))
        # An upgrade changing plans drops the line's plan and features. A port's old plan ends
        # with the port at the carrier it leaves, which gets no order (one segment, the new
        # carrier's): the order costs what the new carrier bills, as its tutorial sums it.
        if request.transaction_type == TransactionType.UPGRADE and service.plan is not None:
            lines.append(_draft_line(K.PLAN, service.plan, service.vendor, action=A.REMOVE))
            lines += [_draft_line(K.FEATURE, f, service.vendor, action=A.REMOVE)
                      for f in current_features]  # fmt: skip
        lines += [_draft_line(K.FEATURE, f, plan.vendor) for f in request.features or []]
    elif request.transaction_type == TransactionType.UPGRADE and request.features is not None:
        # An upgrade keeping its plan, naming the features the line has afterwards.
        wanted = {f.pk for f in request.features}
        on = {f.pk for f in current_features}
        lines += [_draft_line(K.FEATURE, f, service.vendor)
                  for f in request.features if f.pk not in on]  # fmt: skip
        lines += [_draft_line(K.FEATURE, f, service.vendor, action=A.REMOVE)
                  for f in current_features if f.pk not in wanted]  # fmt: skip
    lines += [_draft_line(K.FEATURE, feature, service.vendor, action=action)
              for feature, action in request.feature_changes]  # fmt: skip
    lines += [_draft_line(K.ACCESSORY, a, a.vendor) for a in request.accessories]
    return lines


def draft_order(*, tenant: Tenant, actor: Employee, request: OrderRequest) -> OrderDraft:
    """Price a valid request and name who it is for. Stores nothing.

    Raises RequestInvalid when the items do not share one currency.
    """
    lines = _order_lines(request)
    if len({line.currency for line in lines}) > 1:
        raise RequestInvalid(
            [
                FieldProblem(
                    "orderRequest.shoppingCart", "MIXED_CURRENCY", "Items differ in currency."
                )
            ]
        )
    account_holder = request.service.account_holder if request.service else actor
    return OrderDraft(
        tenant=tenant,
        request=request,
        requested_by=actor,
        account_holder=account_holder,
        lines=lines,
    )
