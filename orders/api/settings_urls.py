"""Routes of the admin API of orders (orders.api.settings)."""

from django.urls import path

from orders.api import settings

urlpatterns = [
    path("order-properties", settings.OrderPropertyGroupList.as_view(), name="order-property-list"),
    path(
        "order-properties/<int:pk>",
        settings.OrderPropertyGroupDetail.as_view(),
        name="order-property-group",
    ),
    path(
        "notification-settings",
        settings.NotificationSettings.as_view(),
        name="notification-settings",
    ),
]
