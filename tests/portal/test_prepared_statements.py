"""PostgreSQL prepares the API's hot reads on each connection (server-side binding,
portal/settings.py), so that it plans them once per connection instead of on every request;
DATABASE_PREPARED_STATEMENTS=false (a transaction-mode pooler) turns that off."""

from __future__ import annotations

from django.db import connection

from orders.models import Order
from tests.portal.test_deploy_checks import PRODUCTION, settings_from


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_an_order_read_again_and_again_is_planned_once_on_its_connection(
    peter_api, submitted_order
):
    order = submitted_order()
    # A statement is prepared once it has run five times on the connection (psycopg's
    # prepare_threshold); the test client runs the requests on the test's own connection.
    for _ in range(6):
        response = peter_api.get(f"orders/{order.pk}")
        assert response.status_code == 200
        assert response.json()["order"]["orderId"] == str(order.pk)

    table = Order._meta.db_table
    reads_of_orders = [sql for sql in _prepared_statements() if f'FROM "{table}"' in sql]
    assert reads_of_orders, "the order detail's read was not prepared"
    # Prepared with placeholders, not with this order's id written in: other orders reuse it.
    assert all("$1" in sql for sql in reads_of_orders)


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    prepared = settings_from(monkeypatch, **PRODUCTION)["DATABASES"]["default"]["OPTIONS"]
    assert prepared["server_side_binding"] is True and prepared["prepare_threshold"] == 5

    turned_off = settings_from(monkeypatch, **PRODUCTION, DATABASE_PREPARED_STATEMENTS="false")
    options = turned_off["DATABASES"]["default"].get("OPTIONS", {})
    assert "server_side_binding" not in options and "prepare_threshold" not in options
