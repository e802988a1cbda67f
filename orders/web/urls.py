from django.urls import path

from orders.web import care, cart, home, lines, my_orders, procurement, review, transfers

app_name = "orders"

urlpatterns = [
    # The home page shows lines, orders and approvals waiting: it belongs to orders.
    path("", home.home, name="home"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/remove/", cart.cart_remove, name="cart-remove"),
    path("cart/clear/", cart.cart_clear, name="cart-clear"),
    path("checkout/", cart.checkout, name="checkout"),
    path("review/<str:number>/", review.review, name="review"),
    # Procurement: guided forms.
    path("lines/new/", procurement.new_line, name="new-line"),
    # A personal line brought into the company (XFER_SERVICE_IN, _AND_PORT).
    path("lines/bring/", transfers.bring_line, name="bring-line"),
    path("lines/<int:pk>/upgrade/", procurement.upgrade, name="upgrade"),
    # The line moved to another carrier, its number kept (PORT_NUMBER).
    path("lines/<int:pk>/port/", procurement.port_number, name="port"),
    # A line and its care actions (action: suspend, unsuspend, deactivate, features, swap,
    # transfer-out).
    path("lines/<int:pk>/", lines.line_detail, name="line"),
    path("lines/<int:pk>/move/", lines.line_move, name="line-move"),
    path("lines/<int:pk>/<slug:action>/", care.care_action, name="care"),
    path("orders/", my_orders.order_list, name="list"),
    path("orders/<int:pk>/", my_orders.order_detail, name="detail"),
    path("orders/<int:pk>/cancel/", my_orders.order_cancel, name="cancel"),
]
