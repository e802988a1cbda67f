"""What a line allows now, and why not: the one place these rules and their wording live
(what an order may hold is orders.contents').

Plain functions returning a Blocker (or None when nothing is in the way). orders.requests turns
a blocker into the API's problem (its `code` at the field the serializer names); the pages
(orders.web.lines, orders.web.procurement) call the same functions before drawing a form the
request would refuse, and show the same `message` (with the order number linked: `before`,
`order`, `after`). Reads only; no writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from catalog.models import ServiceAsset, TransactionType
from orders import conflicts
from orders.models import Order
from portal.models import Tenant

T = TransactionType

# Which care orders need a device on the line (the accessories fit it, the upgrade trades it
# in, the swap moves away from it).
NEEDS_DEVICE = frozenset({T.ORDER_ACCESSORIES, T.UPGRADE, T.SWAP_DEVICES})

# How a line is said to get each order, after "only active lines ..." (a status that does not
# allow the type).
DONE_TO_LINES = {
    T.ORDER_ACCESSORIES: "get accessories",
    T.UPGRADE: "are upgraded",
    T.PORT_NUMBER: "are ported to another carrier",
    T.SUSPEND: "are suspended",
    T.UNSUSPEND: "are resumed",
    T.DEACTIVATE: "are deactivated",
    T.UPDATE_FEATURES: "have their features changed",
    T.SWAP_DEVICES: "are moved to another device",
    T.XFER_SERVICE_OUT: "are transferred to their holder",
}

# An order as a sentence names it: "an open suspend order", "order #2 (accessories)".
ORDER_NAMES = {T.ORDER_ACCESSORIES: "accessories"}


def order_name(transaction_type: str) -> str:
    """The type of an order in a sentence ("accessories", "suspend", "upgrade")."""
    return ORDER_NAMES.get(transaction_type) or T(transaction_type).label.lower()


def day(moment: datetime) -> str:
    """A date as the rules write it: Jan 21, 2016."""
    return f"{timezone.localtime(moment):%b %-d, %Y}"


@dataclass(frozen=True)
class Blocker:
    """Why something cannot be ordered now. `message` is `before`, the order's number (when
    an open order is in the way) and `after`; `code` is the API's problem code."""

    code: str
    before: str
    order: Order | None = None
    after: str = ""
    eligible_from: datetime | None = None  # an upgrade period: from when it can

    @property
    def message(self) -> str:
        number = f"#{self.order.pk}" if self.order is not None else ""
        return f"{self.before}{number}{self.after}"

    def __str__(self) -> str:
        return self.message


# --- The line's status --------------------------------------------------------------------------


def status_blocker(service: ServiceAsset, kind: str) -> Blocker | None:
    """The line's status does not allow this type (ServiceAsset.ORDER_ACTIONS)."""
    if kind in service.order_actions:
        return None
    allowing = [
        status.label.lower()
        for status, kinds in ServiceAsset.ORDER_ACTIONS.items()
        if kind in kinds
    ]
    status = service.get_status_display().lower()
    what = DONE_TO_LINES.get(kind, f"get a {order_name(kind)} order")
    only = f"only {' or '.join(allowing) or 'no'} lines {what}"
    return Blocker("SERVICE_NOT_ELIGIBLE", f"Line {service.service_number} is {status}: {only}.")


# --- The line's device --------------------------------------------------------------------------


def device_blocker(service: ServiceAsset, kind: str) -> Blocker | None:
    """The type needs a device on the line (and accessories, a catalog model they fit)."""
    if kind not in NEEDS_DEVICE:
        return None
    device = getattr(service, "device", None)
    if device is None:
        return Blocker("NO_DEVICE", "This line has no device on record.")
    if kind == T.ORDER_ACCESSORIES and device.device_id is None:
        return Blocker(
            "NOT_COMPATIBLE",
            f"No accessories are known to fit the {device.make_model} (not a catalog model).",
        )
    return None


# --- The upgrade period -------------------------------------------------------------------------


def upgrade_period_blocker(service: ServiceAsset, now: datetime | None = None) -> Blocker | None:
    """The line's upgrade period (the tenant's months since its last upgrade) is not over."""
    eligible_from = service.upgrade_eligibility_date
    if eligible_from is None or eligible_from <= (now or timezone.now()):
        return None
    months = service.tenant.upgrade_eligibility_months
    since = "had its last device upgrade" if service.last_device_upgrade else "started"
    # `before` is why; `after` from when (a page that shows the date its own way says `before`).
    return Blocker(
        "NOT_ELIGIBLE_FOR_UPGRADE",
        f"Line {service.service_number} {since} less than {months} months ago.",
        after=f" Eligible for an upgrade from {day(eligible_from)}.",
        eligible_from=eligible_from,
    )


# --- What a line allows now ---------------------------------------------------------------------


def care_blocker(service: ServiceAsset, kind: str) -> Blocker | None:
    """Why the line cannot get an order of this type now, open orders aside (see
    `conflict_blocker`): its status, its device, its upgrade period."""
    return (
        status_blocker(service, kind)
        or device_blocker(service, kind)
        or (upgrade_period_blocker(service) if kind == T.UPGRADE else None)
    )


def upgrade_blocker(service: ServiceAsset) -> Blocker | None:
    """Why the line cannot be upgraded now (`eligible_from` says from when, if that is why)."""
    return care_blocker(service, T.UPGRADE)


# --- Open orders in the way ---------------------------------------------------------------------


def conflict_message(
    rival: Order, *, service: ServiceAsset | None, port_number: str = ""
) -> Blocker:
    """An open order the new one would conflict with (orders.conflicts decides which)."""
    what = f"Number {port_number}" if port_number else f"Line {service.service_number}"
    return Blocker(
        "CONFLICTING_ORDER",
        f"{what} has an open {order_name(rival.transaction_type)} order (",
        rival,
        f", {rival.get_status_display().lower()}); wait until it is complete or cancel it first.",
    )


def conflict_blocker(
    *,
    tenant: Tenant,
    transaction_type: str,
    service: ServiceAsset | None = None,
    port_number: str = "",
    exclude_external_number: str | None = None,
) -> Blocker | None:
    """The oldest open order on the line (or the number) that the new one conflicts with."""
    rival = conflicts.conflicting_order(
        tenant=tenant,
        transaction_type=transaction_type,
        service=service,
        port_number=port_number,
        exclude_external_number=exclude_external_number,
    )
    if rival is None:
        return None
    return conflict_message(rival, service=service, port_number=port_number)


def rival_note(rival: Order) -> Blocker:
    """An open order in the way, said beside an action of its own line (the line page, where
    what to do about it is said once for all the actions)."""
    return Blocker(
        "CONFLICTING_ORDER",
        "Not now: order ",
        rival,
        f" ({order_name(rival.transaction_type)}) is open on this line.",
    )
