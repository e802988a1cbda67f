"""Stored orders in MobProc's shapes (seed 002 step 5), built by plain functions over rows.

An order list is the API's hottest answer: 25 orders, each with its people, segments, items,
vendors and makers. Built by nested serializers over model instances, each item cost a
serializer pass and a model's hydration, and the list spent most of its time there. Here every
part is read as `values()` rows (one query per kind of row, however many orders), each person,
vendor and maker is represented once per answer, and links are filled into precomputed
prefixes (portal.api.serializers.absolute_url). orders.api.serializers.OrderSerializer
documents the same shape for the OpenAPI document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from rest_framework import serializers

from orders import selectors
from orders.api.serializers import cost_summary, details_representation
from orders.models import Order, OrderApprover, OrderHistory, OrderItem, OrderSegment, Shipment
from portal.api.serializers import absolute_url, price
from portal.models import Employee
from portal.prepared import Prepared

STAMP = serializers.DateTimeField().to_representation
KIND = OrderItem.Kind
ADD = OrderItem.Action.ADD

EMPLOYEE_COLUMNS = (
    "id",
    "company_employee_id",
    "department_id",
    "department__name",
    "email",
    "first_name",
    "last_name",
    "office_phone",
    "status",
)
ORDER_COLUMNS = (
    "id",
    "status",
    "transaction_type",
    "external_order_number",
    "properties",
    "details",
    "ship_to",
    "region_id",
    "region__name",
    "service_id",
    "service__service_number",
    "service_number",
    "cost_onetime",
    "cost_monthly",
    "currency",
    "submitted_at",
    "updated_at",
    *(f"requested_by__{column}" for column in EMPLOYEE_COLUMNS),
    *(f"account_holder__{column}" for column in EMPLOYEE_COLUMNS),
)
SEGMENT_COLUMNS = ("id", "order_id", "status", "vendor_id", "vendor__name", "vendor__logo_url")
ITEM_COLUMNS = (
    "segment_id",
    "kind",
    "action",
    "name",
    "image_url",
    "feature_id",
    "manufacturer_id",
    "manufacturer__name",
    "manufacturer__logo_url",
    "price_amount",
    "price_currency",
    "price_recurrence",
)
SHIPMENT_COLUMNS = (
    "id",
    "segment_id",
    "carrier",
    "tracking_number",
    "shipped_at",
    "delivered_at",
)
HISTORY_COLUMNS = (
    "id",
    "order_id",
    "segment_id",
    "event",
    "from_status",
    "to_status",
    "created_at",
    "actor_id",
    "actor__first_name",
    "actor__last_name",
    "on_behalf_of_id",
    "on_behalf_of__first_name",
    "on_behalf_of__last_name",
    "note",
)
APPROVER_COLUMNS = (
    "order_id",
    "level",
    *(f"employee__{column}" for column in EMPLOYEE_COLUMNS),
)


class Answer:
    """What one answer shares between its rows: the request (for links) and each person,
    vendor and maker already represented (a list names the same few many times)."""

    def __init__(self, request) -> None:
        self.request = request
        self.shown: dict[tuple, dict] = {}
        # What orders.api.serializers' helpers of stored details expect of a context.
        self.context: dict = {"request": request}

    def link(self, view: str, **kwargs) -> str:
        return absolute_url(self.request, view, **kwargs)

    def employee(self, row: dict, prefix: str = "") -> dict | None:
        pk = row[f"{prefix}id"]
        if pk is None:
            return None
        key = ("employee", pk)
        if key not in self.shown:
            department_id = row[f"{prefix}department_id"]
            self.shown[key] = {
                "_meta": {"href": self.link("employee-detail", pk=pk)},
                "companyEmployeeId": row[f"{prefix}company_employee_id"],
                "department": None
                if department_id is None
                else {"id": str(department_id), "name": row[f"{prefix}department__name"]},
                "email": row[f"{prefix}email"],
                "firstName": row[f"{prefix}first_name"],
                "id": str(pk),
                "lastName": row[f"{prefix}last_name"],
                "officePhone": row[f"{prefix}office_phone"],
                "status": row[f"{prefix}status"],
            }
        return self.shown[key]

    def vendor(self, view: str, pk, name: str, logo_url: str) -> dict | None:
        """A vendor or a manufacturer (MobProc shows both alike)."""
        if pk is None:
            return None
        key = (view, pk)
        if key not in self.shown:
            self.shown[key] = {
                "_meta": {"href": self.link(view, pk=pk)},
                "id": str(pk),
                "logoUrl": logo_url,
                "name": name,
            }
        return self.shown[key]

    def region(self, pk, name: str) -> dict:
        key = ("region", pk)
        if key not in self.shown:
            self.shown[key] = {
                "_meta": {"href": self.link("region-detail", pk=pk)},
                "id": str(pk),
                "name": name,
            }
        return self.shown[key]


def _person(pk, first_name: str, last_name: str) -> dict | None:
    """A history entry's actor: id and name (orders.api.serializers.person's shape)."""
    if pk is None:
        return None
    return {"id": str(pk), "name": f"{first_name} {last_name}".strip()}


def history_item(row: dict) -> dict:
    """One entry of an order's history, as `/orders/{id}/history` and `orderHistory` show it."""
    return {
        "id": str(row["id"]),
        "orderSegmentId": None if row["segment_id"] is None else str(row["segment_id"]),
        "event": row["event"],
        "fromStatus": row["from_status"],
        "status": row["to_status"],
        "dateTime": STAMP(row["created_at"]),
        "actor": _person(row["actor_id"], row["actor__first_name"], row["actor__last_name"]),
        "onBehalfOf": _person(
            row["on_behalf_of_id"], row["on_behalf_of__first_name"], row["on_behalf_of__last_name"]
        ),
        "note": row["note"],
    }


def shipment_item(row: dict) -> dict:
    """One shipment, as `/orders/{id}/shipments` and a segment's `shipments` show it."""
    return {
        "id": str(row["id"]),
        "orderSegmentId": str(row["segment_id"]),
        "carrier": row["carrier"],
        "trackingNumber": row["tracking_number"],
        "dateShipped": STAMP(row["shipped_at"]),
        "dateDelivered": None if row["delivered_at"] is None else STAMP(row["delivered_at"]),
    }


def _item(row: dict, answer: Answer) -> dict:
    return {
        "imageUrl": row["image_url"],
        "manufacturer": answer.vendor(
            "manufacturer-detail",
            row["manufacturer_id"],
            row["manufacturer__name"],
            row["manufacturer__logo_url"],
        ),
        "name": row["name"],
        "price": price(row["price_amount"], row["price_currency"], row["price_recurrence"]),
    }


def _segment(row: dict, items: list[dict], shipments: list[dict] | None, answer: Answer) -> dict:
    """A segment: what one vendor delivers. Its plan is the one it puts the line on, with the
    features added along (as the upgrade tutorial's order lists them); its device the line's
    (a line has one, as the upgrade and transfer tutorials show it)."""
    of_kind = defaultdict(list)
    for item in items:
        of_kind[item["kind"]].append((_item(item, answer), item))
    features = of_kind[KIND.FEATURE]
    plans = [shown for shown, item in of_kind[KIND.PLAN] if item["action"] == ADD]
    if plans:
        added = [
            {"description": shown["name"], "price": shown["price"]}
            for shown, item in features
            if item["action"] == ADD
        ]
        plan = {**plans[0], "optionalFeatures": added}
    else:
        plan = {"optionalFeatures": []}
    order_id, pk = row["order_id"], row["id"]
    data = {
        "_meta": {
            "hrefHistory": answer.link("order-history", pk=order_id) + f"?orderSegment={pk}",
            "hrefShipments": answer.link("order-shipments", pk=order_id) + f"?orderSegment={pk}",
        },
        "accessories": [shown for shown, _item in of_kind[KIND.ACCESSORY]],
        # `description` is MobProc's name of a feature (update_features' order), beside
        # `name`; `id` the catalog feature's, as the tutorial's order lists it.
        "features": [
            {
                **shown,
                "id": None if item["feature_id"] is None else str(item["feature_id"]),
                "action": item["action"],
                "description": shown["name"],
            }
            for shown, item in features
        ],
        "orderSegmentId": str(pk),
        "plan": plan,
        "status": row["status"],
        "vendor": answer.vendor(
            "vendor-detail", row["vendor_id"], row["vendor__name"], row["vendor__logo_url"]
        ),
    }
    if of_kind[KIND.DEVICE]:
        data["device"] = of_kind[KIND.DEVICE][0][0]
    if shipments is not None:
        data["shipments"] = shipments
    return data


def _order(row: dict, answer: Answer) -> dict:
    ship_to = row["ship_to"]
    if ship_to:
        shown_ship_to = {
            "address": ship_to["address"],
            "expedite": ship_to.get("expedite", False),
            "name": ship_to["name"],
            "region": None
            if row["region_id"] is None
            else answer.region(row["region_id"], row["region__name"]),
        }
    else:
        # Nothing shipped (a care order): an empty address, as the swap tutorial's order has it.
        shown_ship_to = {"address": []}
    if row["service_id"] is not None:
        service_number = row["service__service_number"]
    else:
        service_number = row["service_number"] or None
    updated = STAMP(row["updated_at"])
    data = {
        "_meta": {"href": answer.link("order-detail", pk=row["id"])},
        "accountHolder": answer.employee(row, "account_holder__"),
        "costSummary": cost_summary(row["cost_onetime"], row["cost_monthly"], row["currency"]),
        "dateSubmitted": STAMP(row["submitted_at"]),
        "dateTimeUpdated": updated,
        "externalOrderNumber": row["external_order_number"],
        "orderId": str(row["id"]),
        "properties": row["properties"],
        "requestedBy": answer.employee(row, "requested_by__"),
        "serviceNumber": service_number,
        "shipTo": shown_ship_to,
        "status": row["status"],
        "transactionType": row["transaction_type"],
        # The last change as MobProc 1.1.0 names it on every order.
        "updated": updated,
    }
    details = row["details"]
    if details:
        data.update(details_representation(details, answer.context))
        comment = details.get("featureRequestComment")
        if comment:
            data["featureRequestComment"] = comment
    return data


def _grouped(rows: Iterable[dict], key: str) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


# The reads of an answer, prepared (portal.prepared): their shapes never change, and building
# them through the ORM cost several times what PostgreSQL spends answering them.
_orders_of_tenant = Prepared(
    lambda tenant_id, ids: Order.objects.filter(tenant_id=tenant_id, pk__in=ids).values(
        *ORDER_COLUMNS
    )
)
# An employee known by ids alone is all orders_visible_to reads of one who is not an admin.
_order_visible_to = Prepared(
    lambda tenant_id, employee_id, day, pk: (
        selectors.orders_visible_to(
            Employee(pk=employee_id, tenant_id=tenant_id, is_tenant_admin=False), on=day
        )
        .filter(pk=pk)
        .values(*ORDER_COLUMNS)
    )
)


def _rows_of_orders(model, order_key: str, ordering: tuple, columns: tuple, **conditions):
    """A prepared read of `model`'s rows of a list of orders (`order_key`: the path to the
    order's id), in `ordering`."""
    return Prepared(
        lambda order_ids: (
            model.objects.filter(**{f"{order_key}__in": order_ids}, **conditions)
            .order_by(*ordering)
            .values(*columns)
        )
    )


_segments_of = _rows_of_orders(OrderSegment, "order_id", ("id",), SEGMENT_COLUMNS)
_items_of = _rows_of_orders(OrderItem, "segment__order_id", ("position", "id"), ITEM_COLUMNS)
_shipments_of = _rows_of_orders(
    Shipment, "segment__order_id", ("shipped_at", "id"), SHIPMENT_COLUMNS
)
_pending_approvers_of = _rows_of_orders(
    OrderApprover, "order_id", ("level", "id"), APPROVER_COLUMNS, pending=True
)
_history_of = _rows_of_orders(OrderHistory, "order_id", ("created_at", "id"), HISTORY_COLUMNS)


def order_rows(tenant_id: int, ids: list[int]) -> list[dict]:
    """The rows (ORDER_COLUMNS) of the tenant's orders among `ids`, in no order."""
    return _orders_of_tenant(tenant_id, ids)


def visible_order_row(employee: Employee, pk: int) -> dict | None:
    """The row (ORDER_COLUMNS) of order `pk` if the employee may see it
    (orders.selectors.orders_visible_to), else None."""
    if employee.is_tenant_admin:
        rows = _orders_of_tenant(employee.tenant_id, [pk])
    else:
        rows = _order_visible_to(employee.tenant_id, employee.pk, timezone.localdate(), pk)
    return rows[0] if rows else None


def order_representations(
    rows: list[dict],
    request,
    *,
    segments: bool = True,
    history: bool = False,
    shipments: bool = False,
    approvers: bool = False,
) -> dict[int, dict]:
    """The orders of `rows` (order_rows or visible_order_row: orders the caller may see) by
    id, in their order, with the parts asked for: `orderSegments` (their `shipments` too with
    `shipments`), `orderHistory`, and the pending step's `pendingApprovalLevel` and
    `approver`. One query per part, however many orders."""
    answer = Answer(request)
    order_ids = [row["id"] for row in rows]
    if not order_ids:
        return {}
    represented = {row["id"]: _order(row, answer) for row in rows}
    if segments or shipments:
        items = _grouped(_items_of(order_ids), "segment_id")
        shipped = _grouped(_shipments_of(order_ids), "segment_id") if shipments else None
        by_order = defaultdict(list)
        for row in _segments_of(order_ids):
            by_order[row["order_id"]].append(
                _segment(
                    row,
                    items.get(row["id"], []),
                    None
                    if shipped is None
                    else [shipment_item(s) for s in shipped.get(row["id"], [])],
                    answer,
                )
            )
        for pk, data in represented.items():
            data["orderSegments"] = {"items": by_order.get(pk, [])}
    if approvers:
        pending = _grouped(_pending_approvers_of(order_ids), "order_id")
        for pk, data in represented.items():
            waiting = pending.get(pk, [])
            data["pendingApprovalLevel"] = waiting[0]["level"] if waiting else None
            data["approver"] = [answer.employee(row, "employee__") for row in waiting]
    if history:
        entries = _grouped(_history_of(order_ids), "order_id")
        for pk, data in represented.items():
            data["orderHistory"] = {"items": [history_item(row) for row in entries.get(pk, [])]}
    return represented


def order_representation(order: Order, request, **parts) -> dict:
    """One order (any the caller may see: the caller has checked), as order_representations."""
    rows = order_rows(order.tenant_id, [order.pk])
    return order_representations(rows, request, **parts)[order.pk]
