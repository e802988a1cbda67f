from django.urls import path

from orders import line_views, procurement_views, review_views, views

app_name = "orders"

urlpatterns = [
    # The home page shows lines, orders and approvals waiting: it belongs to orders.
    path("", views.home, name="home"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/remove/", views.cart_remove, name="cart-remove"),
    path("cart/clear/", views.cart_clear, name="cart-clear"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/confirm/", views.checkout_confirm, name="confirm"),
    path("review/<str:number>/", review_views.review, name="review"),
    # Procurement: guided forms.
    path("lines/new/", procurement_views.new_line, name="new-line"),
    path("lines/port/", procurement_views.port_number, name="port"),
    path("lines/<int:pk>/upgrade/", procurement_views.upgrade, name="upgrade"),
    # A line and its care actions (action: suspend, unsuspend, deactivate, features, swap).
    path("lines/<int:pk>/", line_views.line_detail, name="line"),
    path("lines/<int:pk>/<slug:action>/", line_views.care_action, name="care"),
    path("orders/", views.order_list, name="list"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
]
