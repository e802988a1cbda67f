"""What a completed order does to the employee's assets.

Called by orders.services when the last segment is done, in the transaction that marks the
order COMPLETE, so the order and the assets change together or not at all. Each effect returns
a sentence for the order's history. The carrier's last answer on a segment that delivered a
device carries what only the carrier knows (see orders.fulfilment.Progress): the device's serial
number and SIM, and a new line's number.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from catalog import services as assets
from catalog.models import Device, Manufacturer, ServiceAsset, TransactionType
from orders.models import Order, OrderItem

T = TransactionType
K, A = OrderItem.Kind, OrderItem.Action


def apply(order: Order) -> str:
    effect = EFFECTS.get(order.transaction_type)
    return effect(order) if effect else ""


def _items(order: Order) -> list[OrderItem]:
    return list(
        OrderItem.objects.filter(segment__order=order).select_related(
            "device__manufacturer", "plan__vendor", "feature", "segment"
        )
    )


def _of(items: list[OrderItem], kind: str, action: str = A.ADD) -> list[OrderItem]:
    return [item for item in items if item.kind == kind and item.action == action]


def _delivered_device(items: list[OrderItem]):
    """The DEVICE item and what its carrier reported about the unit it sent."""
    (item,) = _of(items, K.DEVICE)
    reported = (item.segment.vendor_response.get("devices") or [{}])[0]
    return item, reported


def _put_delivered_device(service: ServiceAsset, item: OrderItem, reported: dict) -> None:
    serial = reported.get("serialNumber") or {}
    assets.put_device_on_line(
        service,
        device=item.device,
        serial_number_type=serial.get("type", "IMEI"),
        serial_number=serial.get("value", ""),
        sim_id=reported.get("simId", ""),
    )


def _new_line(order: Order, number: str) -> str:
    items = _items(order)
    device_item, reported = _delivered_device(items)
    (plan_item,) = _of(items, K.PLAN)
    service = assets.activate_line(
        tenant=order.tenant,
        holder=order.account_holder,
        service_number=number,
        plan=plan_item.plan,
        features=[item.feature for item in _of(items, K.FEATURE)],
        when=timezone.now(),
    )
    _put_delivered_device(service, device_item, reported)
    order.service, order.service_number = service, number
    order.save(update_fields=["service", "service_number"])
    return f"Line {number} is active on the {device_item.name}."


def new_activation(order: Order) -> str:
    segment_answers = order.segments.values_list("vendor_response", flat=True)
    number = next((a["serviceNumber"] for a in segment_answers if a.get("serviceNumber")), "")
    return _new_line(order, number)


def port_number(order: Order) -> str:
    """The same line, number kept, with the new carrier: its plan and features, on the device
    that carrier sent (registered as an upgrade's is)."""
    items = _items(order)
    device_item, reported = _delivered_device(items)
    (plan_item,) = _of(items, K.PLAN)
    service = order.service
    _put_delivered_device(service, device_item, reported)
    assets.port_line(
        service, plan=plan_item.plan, features=[item.feature for item in _of(items, K.FEATURE)]
    )
    return (
        f"Line {service.service_number} is with {plan_item.plan.vendor.name} now, on the "
        f"{device_item.name}; the number is kept."
    )


def transfer_in(order: Order) -> str:
    """The employee's own number, a company line of theirs now, on the plan ordered; on the
    device the carrier sent, or (no device ordered) on the phone they have, not on record."""
    items = _items(order)
    (plan_item,) = _of(items, K.PLAN)
    service = assets.activate_line(
        tenant=order.tenant,
        holder=order.account_holder,
        service_number=order.service_number,
        plan=plan_item.plan,
        features=[item.feature for item in _of(items, K.FEATURE)],
        when=timezone.now(),
    )
    order.service = service
    order.save(update_fields=["service"])
    if not _of(items, K.DEVICE):
        return f"Line {service.service_number} is a company line now, on {plan_item.name}."
    device_item, reported = _delivered_device(items)
    _put_delivered_device(service, device_item, reported)
    return f"Line {service.service_number} is a company line now, on the {device_item.name}."


def transfer_out(order: Order) -> str:
    assets.transfer_line_out(order.service)
    return f"Line {order.service.service_number} is {order.account_holder.full_name}'s own now."


def _change_features(service: ServiceAsset, items: list[OrderItem]) -> None:
    new_plans = _of(items, K.PLAN)
    assets.change_plan(
        service,
        plan=new_plans[0].plan if new_plans else None,
        add=[item.feature for item in _of(items, K.FEATURE)],
        remove=[item.feature for item in _of(items, K.FEATURE, A.REMOVE)],
    )


def upgrade(order: Order) -> str:
    items = _items(order)
    device_item, reported = _delivered_device(items)
    _put_delivered_device(order.service, device_item, reported)
    _change_features(order.service, items)
    assets.record_upgrade(order.service, timezone.now())
    return f"Line {order.service.service_number} is on the {device_item.name} now."


def update_features(order: Order) -> str:
    items = _items(order)
    _change_features(order.service, items)
    added = ", ".join(item.name for item in _of(items, K.FEATURE)) or "none"
    removed = ", ".join(item.name for item in _of(items, K.FEATURE, A.REMOVE)) or "none"
    return f"Line {order.service.service_number}: features added {added}; removed {removed}."


def swap_devices(order: Order) -> str:
    service, new = order.service, order.details["newDevice"]
    old_sim = getattr(getattr(service, "device", None), "sim_id", "")
    device = Device.objects.filter(pk=new["modelId"]).first() if new["modelId"] else None
    maker = Manufacturer.objects.filter(pk=new["manufacturerId"]).first()
    asset = assets.put_device_on_line(
        service,
        device=device,
        manufacturer=maker,
        other_make_model=new["otherMakeModelName"] or new["model"],
        serial_number_type=new["serialNumber"]["type"],
        serial_number=new["serialNumber"]["value"],
        # The SIM moves with the line, unless the request names the new one.
        sim_id=new.get("simId") or old_sim,
    )
    return f"Line {service.service_number} is on the {asset.make_model} now."


def _status(status: str, done: str) -> Callable[[Order], str]:
    def effect(order: Order) -> str:
        assets.set_line_status(order.service, status)
        return f"Line {order.service.service_number} is {done}."

    return effect


EFFECTS: dict[str, Callable[[Order], str]] = {
    T.NEW_ACTIVATION: new_activation,
    T.UPGRADE: upgrade,
    T.PORT_NUMBER: port_number,
    T.SUSPEND: _status(ServiceAsset.Status.SUSPENDED, "suspended"),
    T.UNSUSPEND: _status(ServiceAsset.Status.ACTIVE, "active again"),
    T.DEACTIVATE: _status(
        ServiceAsset.Status.DEACTIVATED, "deactivated; its device is on no line now"
    ),
    T.UPDATE_FEATURES: update_features,
    T.SWAP_DEVICES: swap_devices,
    T.XFER_SERVICE_OUT: transfer_out,
    T.XFER_SERVICE_IN: transfer_in,
    T.XFER_SERVICE_IN_AND_PORT: transfer_in,
}
