"""Review and submit any order a page has built (MobProc confirm mode, then submit): the one
confirm-and-submit flow of every transaction type, the accessory checkout included.

A page (the checkout, a care action on a line, a new line, an upgrade, a port) reads its form
into a MobProc body and, when `draft_or_problems` finds nothing wrong, hands it to
`start_review`. The review page validates it again, shows it fully expanded and submits it. The
session keeps the body under its externalOrderNumber: a second click or a reload returns the
order already stored. The page that built it reads what was typed back (`kept_for_review`) when
the person edits it, and carries its number in the form (`posted_number`), so that sending it
again is the same order.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from catalog.models import Recurrence, TransactionType
from orders import drafts, services
from orders.models import OrderItem
from orders.requests import parse_order_request
from orders.web import cart_store
from orders.web.display import address_lines, property_rows
from portal.exceptions import DomainError, FieldProblem, RequestInvalid
from portal.web.pages import employee_required

REVIEWS = "reviews"
KEEP = 5  # reviews kept per session (older ones are dropped)
ORDER_NUMBER = re.compile(r"WEB-[0-9A-F]{20}")


def new_order_number() -> str:
    return f"WEB-{uuid.uuid4().hex[:20].upper()}"


def posted_number(request, field: str = "number") -> str:
    """The number the form was given in its hidden `field` (a resent form is the same order,
    not another one)."""
    number = request.POST.get(field, "")
    return number if ORDER_NUMBER.fullmatch(number) else new_order_number()


def kept_for_review(request) -> tuple[dict | None, str]:
    """The values of a form being edited after review (`?review=<number>`) and its number; a
    fresh form, or one whose order is submitted, gets a new number."""
    number = request.GET.get("review", "")
    state = (request.session.get(REVIEWS) or {}).get(number)
    if state is None or state.get("orderId"):
        return None, new_order_number()
    values = state.get("typed") or None
    if state.get("refused"):  # the number was refused at submit: the values, under a new one
        return values, new_order_number()
    return values, number


def draft_or_problems(request, body: dict) -> tuple[drafts.OrderDraft | None, list[FieldProblem]]:
    """Validate and price a body for the signed-in employee: (draft, []) or (None, problems)."""
    employee = request.employee
    try:
        order_request = parse_order_request(body, tenant=employee.tenant, actor=employee)
        return drafts.draft_order(tenant=employee.tenant, actor=employee, request=order_request), []
    except RequestInvalid as exc:
        return None, exc.problems


def start_review(
    request, *, body: dict, back: str, typed: dict | None = None, from_cart: bool = False
):
    """Keep a valid body for review and go there; `back` is the page that edits it, `typed`
    what was typed into that page (to fill it in again: `kept_for_review`), `from_cart` whether
    submitting it empties the accessory cart."""
    number = body["orderRequest"]["externalOrderNumber"]
    reviews = {
        key: value for key, value in (request.session.get(REVIEWS) or {}).items() if key != number
    }
    reviews = dict(list(reviews.items())[-(KEEP - 1) :])
    reviews[number] = {"body": body, "back": back, "typed": typed or {}, "from_cart": from_cart}
    request.session[REVIEWS] = reviews
    return redirect("orders:review", number=number)


@employee_required
@require_http_methods(["GET", "POST"])
def review(request, number: str):
    """GET: the order fully expanded, nothing stored. POST: validate again and submit."""
    state = (request.session.get(REVIEWS) or {}).get(number)
    if state is None:
        raise Http404("No order is waiting for review under this reference.")
    if state.get("orderId"):  # submitted already: a second click or a reload
        messages.info(request, f"Order #{state['orderId']} was submitted already.")
        return redirect("orders:detail", pk=state["orderId"])
    draft, problems = draft_or_problems(request, state["body"])
    if draft is None:
        # The line, the catalog or the configuration changed since the form was filled in: the
        # form again, which shows what is wrong now.
        messages.warning(
            request, "Something changed since you filled in the form: please look again."
        )
        if not state.get("from_cart"):  # the checkout shows them on its form instead
            for problem in problems:
                messages.error(request, problem.message)
        return redirect(state["back"])
    if request.method == "GET":
        context = review_context(draft, state["back"])
        return render(
            request, "orders/review.html", {**context, "from_cart": state.get("from_cart")}
        )
    try:
        with transaction.atomic():
            order, created = services.submit_order(draft=draft, placed_by=request.employee)
    except RequestInvalid as exc:  # a conflicting order was submitted meanwhile
        for problem in exc.problems:
            messages.error(request, problem.message)
        return redirect(state["back"])
    except DomainError as exc:
        # Nothing was stored under this number (or it is someone else's): the form gets the
        # values typed and a fresh number for the next try.
        reviews = request.session[REVIEWS]
        reviews[number] = {**state, "refused": True}
        request.session[REVIEWS] = reviews
        messages.error(request, exc.message)
        return redirect(state["back"])
    reviews = request.session[REVIEWS]
    reviews[number] = {**state, "orderId": order.pk}
    request.session[REVIEWS] = reviews
    if state.get("from_cart"):
        cart_store.submitted(request, order.pk)
    if created:
        messages.success(request, f"Thank you! Order #{order.pk} is submitted.")
    else:
        messages.info(request, f"Order #{order.pk} was submitted already.")
    return redirect("orders:detail", pk=order.pk)


# What each type does, as the review page's headline says it.
HEADLINES = {
    TransactionType.NEW_ACTIVATION: "A new line",
    TransactionType.UPGRADE: "Upgrade line {number}",
    TransactionType.ORDER_ACCESSORIES: "Accessories for line {number}",
    TransactionType.PORT_NUMBER: "Port line {number} to another carrier",
    TransactionType.SUSPEND: "Suspend line {number}",
    TransactionType.UNSUSPEND: "Resume line {number}",
    TransactionType.DEACTIVATE: "Deactivate line {number}",
    TransactionType.UPDATE_FEATURES: "Change the features of line {number}",
    TransactionType.SWAP_DEVICES: "Move line {number} to another device",
    TransactionType.XFER_SERVICE_OUT: "Transfer line {number} to you personally",
    TransactionType.XFER_SERVICE_IN: "Bring your own line {port} to us",
    TransactionType.XFER_SERVICE_IN_AND_PORT: "Bring your own line {port} to us, with a port",
}


def review_context(draft: drafts.OrderDraft, back: str) -> dict:
    request = draft.request
    service = request.service
    headline = HEADLINES[request.transaction_type].format(
        number=service.service_number if service else "", port=request.port_number
    )
    return {
        "draft": draft,
        "headline": headline,
        "service": service,
        "device": getattr(service, "device", None) if service else None,
        "lines": draft.lines,
        "removed": OrderItem.Action.REMOVE,
        "existing_device": request.details.get("existingDevice"),
        "new_device": request.details.get("newDevice"),
        "comment": request.details.get("featureRequestComment", ""),
        "postal_code": request.details.get("postalCode", ""),
        "region": request.region,
        "properties": property_rows(request.properties),
        # The acknowledgements accepted (those the vendor requires were checked by the reader).
        "acknowledged": [
            a["id"] for a in request.details.get("acknowledgements") or [] if a.get("boolean")
        ],
        "ship_to": request.ship_to,
        "ship_lines": address_lines(request.ship_to),
        "onetime": draft.cost(Recurrence.ONETIME),
        "monthly": draft.cost(Recurrence.MONTHLY),
        "currency": draft.currency,
        "external_order_number": request.external_order_number,
        "back": back,
    }
