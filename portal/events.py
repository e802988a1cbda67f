"""Explicit domain events: how an app tells the apps that build on it that something happened.

Apps depend one way (approvals → orders → catalog → portal). When orders must let approvals
know that an order was submitted, cancelled or failed at a vendor, it cannot call approvals; it
publishes an event here instead, and approvals subscribes to it in its AppConfig.ready(). So
does portal when someone is named delegate: orders, which sends the e-mails, subscribes.

Deliberately small, and deliberately not Django signals:
- the events are the names below, each documented with its payload; subscribing to or
  publishing any other name is an error (a typo fails loudly instead of doing nothing);
- `publish` calls the handlers synchronously, in subscription order, inside the publisher's
  transaction: their writes commit or roll back with the publisher's, and an exception in a
  handler propagates to the publisher (the whole change is refused, never half made);
- handlers take the payload as keyword arguments, and queue their own side effects (tasks,
  e-mails) on commit as every service does.

The consequences of each event are listed in docs/ARCHITECTURE.md ("Events").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

Handler = Callable[..., None]

# An order was stored, ORDER_SUBMITTED (orders.services.submit_order), not a retry's answer.
# Payload: order (the new Order).
ORDER_SUBMITTED = "order_submitted"
# An order was cancelled (orders.services.cancel_order).
# Payload: order (the locked Order, now CANCELLED), actor (the Employee it was cancelled as),
# reason (str, possibly empty).
ORDER_CANCELLED = "order_cancelled"
# A vendor refused (part of) an order for good (orders.services._fail_segment).
# Payload: order (the locked Order; FAILED unless it had not been sent to the vendors yet).
ORDER_FAILED = "order_failed"
# Someone was named delegate (portal.services.add_delegation).
# Payload: delegation (the new Delegation).
DELEGATION_ADDED = "delegation_added"

# Event name → its handlers, in subscription order.
_handlers: dict[str, list[Handler]] = {
    ORDER_SUBMITTED: [],
    ORDER_CANCELLED: [],
    ORDER_FAILED: [],
    DELEGATION_ADDED: [],
}


def _handlers_of(event: str) -> list[Handler]:
    try:
        return _handlers[event]
    except KeyError:
        raise ValueError(f"unknown event {event!r}; known: {sorted(_handlers)}") from None


def subscribe(event: str, handler: Handler) -> None:
    """Call `handler(**payload)` whenever `event` is published. Subscribing the same handler
    twice (an AppConfig.ready() run again) keeps one subscription. Raises ValueError for an
    unknown event."""
    handlers = _handlers_of(event)
    if handler not in handlers:
        handlers.append(handler)


def publish(event: str, **payload: Any) -> None:
    """Call the event's handlers now, in the caller's transaction (which must be open, so that
    the handlers' writes are atomic with the publisher's). Raises ValueError for an unknown
    event, RuntimeError outside a transaction, and whatever a handler raises."""
    handlers = _handlers_of(event)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish({event!r}) outside a transaction")
    for handler in handlers:
        handler(**payload)


def handlers(event: str) -> tuple[Handler, ...]:
    """The handlers subscribed to an event (for tests and introspection)."""
    return tuple(_handlers_of(event))
