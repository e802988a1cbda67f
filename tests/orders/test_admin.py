"""orders/admin.py: orders are for looking at; their status moves only through the services."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from orders.models import Order, OrderHistory, OrderSegment, OrderStatus


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_an_admin_post_cannot_change_an_orders_status(submitted_order, superuser):
    # Given a submitted order awaiting its approver
    order = submitted_order(externalOrderNumber="ADMIN-POST")
    status = Order.objects.get(pk=order.pk).status
    segment_status = OrderSegment.objects.get(order=order).status
    history = OrderHistory.objects.filter(order=order).count()

    # When a superuser posts a new status to its admin page (and to its segment's inline)
    response = superuser.post(
        f"/admin/orders/order/{order.pk}/change/",
        {
            "status": OrderStatus.COMPLETE,
            "segments-TOTAL_FORMS": "1",
            "segments-INITIAL_FORMS": "1",
            "segments-0-id": str(OrderSegment.objects.get(order=order).pk),
            "segments-0-status": OrderStatus.COMPLETE,
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
        },
    )

    # Then it is refused and nothing changed
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == status
    assert OrderSegment.objects.get(order=order).status == segment_status
    assert OrderHistory.objects.filter(order=order).count() == history


def test_the_admin_shows_an_order_with_its_segments_and_history(submitted_order, superuser):
    order = submitted_order(externalOrderNumber="ADMIN-VIEW")

    response = superuser.get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Order submitted" in html  # the history event's label
    assert 'name="status"' not in html  # no input for it
