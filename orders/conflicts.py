"""Which open orders stand in the way of a new one on the same line (or the same number).

Each transaction type changes some aspects of a line and relies on others being as they are
now. Two open orders conflict when one changes what the other changes or relies on: a line
cannot be suspended while its upgrade is on its way, nor get two feature changes at once.
The types that bring a number in (the transfers in) have no line yet: they conflict with each
other on the number.
"""

from __future__ import annotations

from catalog.models import ServiceAsset, TransactionType
from orders.models import Order
from portal.models import Tenant

T = TransactionType
STATUS, DEVICE, PLAN, FEATURES, OWNER = "status", "device", "plan", "features", "owner"

# type: (aspects it changes, aspects it relies on besides those)
ASPECTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    T.ORDER_ACCESSORIES: (frozenset(), frozenset({DEVICE})),
    T.UPGRADE: (frozenset({DEVICE, PLAN, FEATURES}), frozenset({STATUS})),
    # The line moves to another carrier's plan and device (its carrier goes with the plan).
    T.PORT_NUMBER: (frozenset({DEVICE, PLAN, FEATURES}), frozenset({STATUS})),
    T.SUSPEND: (frozenset({STATUS}), frozenset()),
    T.UNSUSPEND: (frozenset({STATUS}), frozenset()),
    T.DEACTIVATE: (frozenset({STATUS, DEVICE}), frozenset()),
    T.UPDATE_FEATURES: (frozenset({FEATURES}), frozenset({STATUS, PLAN})),
    T.SWAP_DEVICES: (frozenset({DEVICE}), frozenset({STATUS})),
    # The line leaves the company with its device, as it is: nothing else may change it (nor
    # accessories be bought for the device) meanwhile.
    T.XFER_SERVICE_OUT: (frozenset({OWNER, STATUS, DEVICE}), frozenset({PLAN, FEATURES})),
}

# The types about a number not yet a line of the company: one open order per number.
NUMBER_TYPES = T.transfers_in()

OPEN_STATUSES = [
    Order.Status.ORDER_SUBMITTED,
    Order.Status.AWAITING_APPROVAL,
    Order.Status.APPROVED,
    Order.Status.IN_FULFILLMENT,
    Order.Status.SHIPPED,
]


def conflicts(first: str, second: str) -> bool:
    changes_a, relies_a = ASPECTS[first]
    changes_b, relies_b = ASPECTS[second]
    return bool(changes_a & (changes_b | relies_b) or changes_b & (changes_a | relies_a))


def conflicting_order(
    *,
    tenant: Tenant,
    transaction_type: str,
    service: ServiceAsset | None = None,
    port_number: str = "",
    exclude_external_number: str | None = None,
) -> Order | None:
    """The oldest open order that the new one would conflict with, if any.

    An order with `exclude_external_number` is the same order resubmitted, not a rival.
    """
    open_orders = Order.objects.filter(tenant=tenant, status__in=OPEN_STATUSES)
    if exclude_external_number:
        open_orders = open_orders.exclude(external_order_number=exclude_external_number)
    if transaction_type in NUMBER_TYPES:
        rivals = open_orders.filter(transaction_type__in=NUMBER_TYPES, service_number=port_number)
    elif service is not None:
        rival_types = [other for other in ASPECTS if conflicts(transaction_type, other)]
        rivals = open_orders.filter(service=service, transaction_type__in=rival_types)
    else:
        return None
    return rivals.order_by("submitted_at", "pk").first()
