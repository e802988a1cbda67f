"""The MobProc order request: its shape and its rules, checked in one pass for pages and API.

`parse_order_request` reports every problem at once (RequestInvalid), each with the dotted path
MobProc clients expect (`orderRequest.shipTo.address.CITY`); on success it returns the request
with every id resolved to a row of the caller's tenant. The serializers describe shapes; what a
line allows now (its status, its device, its upgrade period, open orders in the way) is
orders.rules', and what an order may hold (offered, fitting, the right plan's features, a free
device, a number to port) orders.contents', in the words the pages use. One module per family
of transaction types; common.py holds what they share."""

from __future__ import annotations

from orders.requests.accessories import AccessoryOrderRequestSerializer
from orders.requests.care import SwapDevicesRequestSerializer, UpdateFeaturesRequestSerializer
from orders.requests.common import (
    IdField,
    OrderRequest,
    OrderRequestSerializer,
    external_order_number,
)
from orders.requests.procurement import (
    NewActivationRequestSerializer,
    PortNumberRequestSerializer,
    UpgradeRequestSerializer,
)
from orders.requests.status import (
    DeactivateRequestSerializer,
    SuspendRequestSerializer,
    UnsuspendRequestSerializer,
)
from orders.requests.transfers import (
    TransferInAndPortRequestSerializer,
    TransferInRequestSerializer,
    TransferOutRequestSerializer,
)
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Tenant
from portal.validation import flatten_errors

__all__ = ["IdField", "OrderRequest", "external_order_number", "parse_order_request"]

REQUEST_SERIALIZERS: dict[str, type[OrderRequestSerializer]] = {
    serializer.transaction_type: serializer
    for serializer in (
        NewActivationRequestSerializer,
        UpgradeRequestSerializer,
        AccessoryOrderRequestSerializer,
        PortNumberRequestSerializer,
        SuspendRequestSerializer,
        UnsuspendRequestSerializer,
        DeactivateRequestSerializer,
        UpdateFeaturesRequestSerializer,
        SwapDevicesRequestSerializer,
        TransferOutRequestSerializer,
        TransferInRequestSerializer,
        TransferInAndPortRequestSerializer,
    )
}


def parse_order_request(body, *, tenant: Tenant, actor: Employee) -> OrderRequest:
    """Validate a `{"orderRequest": {...}}` body; raises RequestInvalid with every problem."""
    payload = body.get("orderRequest") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        raise RequestInvalid(
            [FieldProblem("orderRequest", "REQUIRED", "The body must hold an orderRequest object.")]
        )
    transaction_type = payload.get("transactionType")
    # Not a string (a list, an object): unhashable, and reported by the base serializer.
    serializer_class = (
        REQUEST_SERIALIZERS.get(transaction_type, OrderRequestSerializer)
        if isinstance(transaction_type, str)
        else OrderRequestSerializer
    )
    serializer = serializer_class(data=payload, context={"tenant": tenant, "actor": actor})
    if not serializer.is_valid():
        raise RequestInvalid(list(flatten_errors({"orderRequest": serializer.errors})))
    data = serializer.validated_data
    return OrderRequest(
        transaction_type=data["transactionType"],
        external_order_number=(data.get("externalOrderNumber") or "").strip() or None,
        properties=data["properties"],
        **serializer.extra(data),
    )
