from django.urls import include, path

from orders.api import moves, views

urlpatterns = [
    path("orders", views.OrderCollection.as_view(), name="order-list"),
    path("orders/properties", views.OrderPropertyList.as_view(), name="order-properties"),
    path("orders/<int:pk>", views.OrderDetail.as_view(), name="order-detail"),
    path("orders/<int:pk>/history", views.OrderHistoryList.as_view(), name="order-history"),
    path("orders/<int:pk>/shipments", views.OrderShipmentList.as_view(), name="order-shipments"),
    path("orders/<int:pk>/cancel", views.OrderCancel.as_view(), name="order-cancel"),
    path("assets/services/<int:pk>/move", moves.ServiceMove.as_view(), name="service-move"),
    path("", include("orders.api.settings_urls")),  # tenant admins: properties, notifications
]
