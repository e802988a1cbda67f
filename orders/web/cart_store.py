"""The accessory cart, kept in the session: one line and the accessories chosen for it. The cart
pages fill it; the review page empties it once its order is submitted."""

from __future__ import annotations

CART, LAST_SUBMITTED = "cart", "last_submitted"


def cart_of(request) -> dict:
    cart = request.session.get(CART) or {}
    return {"serviceId": cart.get("serviceId"), "accessoryIds": list(cart.get("accessoryIds", []))}


def save_cart(request, cart: dict) -> None:
    request.session[CART] = cart if cart["accessoryIds"] else {}


def empty_cart(request) -> None:
    save_cart(request, {"serviceId": None, "accessoryIds": []})


def submitted(request, order_id: int) -> None:
    """The cart's order is stored: empty the cart, and remember the order for a checkout sent
    again (a second click, the back button) to land on it."""
    empty_cart(request)
    request.session[LAST_SUBMITTED] = {"orderId": order_id}


def last_submitted(request) -> int | None:
    return (request.session.get(LAST_SUBMITTED) or {}).get("orderId")


def forget_submitted(request) -> None:
    request.session.pop(LAST_SUBMITTED, None)
