"""Order pages: cart, checkout, my orders, an order's page."""

from django.shortcuts import get_object_or_404, render

from orders import selectors
from portal.pages import employee_required


@employee_required
def cart(request):
    return render(request, "orders/cart.html", {"cart": request.session.get("cart", {})})


@employee_required
def order_list(request):
    orders = selectors.with_summary(selectors.orders_visible_to(request.employee))
    return render(request, "orders/order_list.html", {"orders": orders})


@employee_required
def order_detail(request, pk: int):
    order = get_object_or_404(
        selectors.with_details(selectors.orders_visible_to(request.employee), history=True), pk=pk
    )
    return render(request, "orders/order_detail.html", {"order": order})
