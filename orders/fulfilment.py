"""Vendor gateways: how an order segment reaches its carrier, and how we hear back.

Carriers are outside our system, so they sit behind `VendorGateway`. The default gateway is a
simulated carrier: it acknowledges, ships with a tracking number after
SIMULATED_CARRIER_SHIP_DELAY seconds, and delivers as long again later. Per vendor it can be told
to fail for good or to fail transiently (Vendor.simulation, in the admin; or the
SIMULATED_CARRIER_MODES setting, which wins).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Vendor
from orders.models import CarrierSubmission, OrderSegment


class VendorError(Exception):
    """A vendor call failed; `response` is the vendor's answer, kept for the record."""

    def __init__(self, message: str, response: dict) -> None:
        super().__init__(message)
        self.response = response


class TransientVendorError(VendorError):
    """Worth retrying (timeout, 503...)."""


class PermanentVendorError(VendorError):
    """The vendor refuses the order; retrying will not help."""


@dataclass(frozen=True)
class Acknowledgement:
    reference: str
    response: dict
    # When it is worth asking about shipping.
    check_at: datetime


@dataclass(frozen=True)
class Progress:
    """What the vendor says about a segment it acknowledged.

    `delivered` without `shipped`: a segment with nothing to ship (a care order) is carried
    out. Once a segment with a device is delivered, `response` holds what the carrier knows of
    it: `devices` [{deviceId, serialNumber {type, value}, simId}], and for a NEW_ACTIVATION the
    new line's `serviceNumber` (orders.effects reads them).
    """

    shipped: bool = False
    delivered: bool = False
    carrier: str = ""
    tracking_number: str = ""
    response: dict = field(default_factory=dict)
    check_again_at: datetime | None = None


class VendorGateway(ABC):
    @abstractmethod
    def submit(self, segment: OrderSegment) -> Acknowledgement:
        """Send the segment to the vendor with its `idempotency_key`: sent again, it must be
        answered as the first time and fulfilled once. Raises TransientVendorError,
        PermanentVendorError."""

    @abstractmethod
    def progress(self, segment: OrderSegment) -> Progress:
        """Ask the vendor how the segment is doing."""


class SimulatedCarrier(VendorGateway):
    """A stand-in carrier, so the portal runs end to end with no outside service."""

    TRANSIENT_FAILURES = 2

    def mode(self, vendor: Vendor) -> str:
        return getattr(settings, "SIMULATED_CARRIER_MODES", {}).get(
            str(vendor.pk), vendor.simulation
        )

    @property
    def delay(self) -> timedelta:
        return timedelta(seconds=settings.SIMULATED_CARRIER_SHIP_DELAY)

    def submit(self, segment: OrderSegment) -> Acknowledgement:
        mode = self.mode(segment.vendor)
        if mode == Vendor.Simulation.FAIL:
            raise PermanentVendorError(
                "Order refused by the carrier",
                {"status": 422, "error": "ACCOUNT_NOT_ELIGIBLE", "vendor": segment.vendor.name},
            )
        if mode == Vendor.Simulation.FAIL_TRANSIENTLY and (
            segment.vendor_attempts <= self.TRANSIENT_FAILURES
        ):
            raise TransientVendorError(
                "Carrier temporarily unavailable",
                {"status": 503, "error": "SERVICE_UNAVAILABLE", "attempt": segment.vendor_attempts},
            )
        reference = self._receive(segment)
        return Acknowledgement(
            reference=reference,
            response={"status": 201, "reference": reference, "vendor": segment.vendor.name},
            check_at=timezone.now() + self.delay,
        )

    @staticmethod
    @transaction.atomic
    def _receive(segment: OrderSegment) -> str:
        """Take the order in once per idempotency key (committed at once, as a carrier's own
        system would); a repeat gets the first reference back."""
        submission, created = CarrierSubmission.objects.select_for_update().get_or_create(
            idempotency_key=segment.idempotency_key,
            defaults={"reference": f"SIM-{segment.vendor_id}-{segment.pk}"},
        )
        if not created:
            CarrierSubmission.objects.filter(pk=submission.pk).update(
                times_received=F("times_received") + 1
            )
        return submission.reference

    def progress(self, segment: OrderSegment) -> Progress:
        now = timezone.now()
        shipped_at = segment.sent_at + self.delay
        if now < shipped_at:
            return Progress(check_again_at=shipped_at)
        items = list(segment.items.all())
        if not any(item.ships for item in items):
            return Progress(delivered=True, response={"status": 200, "state": "DONE"})
        tracking = "1Z" + self._digest(segment, "tracking", 16, hexadecimal=True)
        delivered = now >= shipped_at + self.delay
        response = {"status": 200, "state": "DELIVERED" if delivered else "SHIPPED"}
        if delivered:
            response.update(self._activation(segment, items))
        return Progress(
            shipped=True,
            delivered=delivered,
            carrier=f"{segment.vendor.name} Logistics",
            tracking_number=tracking,
            response=response,
            check_again_at=None if delivered else shipped_at + self.delay,
        )

    def _activation(self, segment: OrderSegment, items) -> dict:
        """The units sent (made-up but stable serial numbers and SIMs), and a new line's
        number."""
        devices = [
            {
                "deviceId": str(item.device_id),
                "serialNumber": {"type": "IMEI", "value": self._digest(segment, item.pk, 15)},
                "simId": "8901" + self._digest(segment, f"sim{item.pk}", 15),
            }
            for item in items
            if item.kind == item.Kind.DEVICE
        ]
        answer: dict = {"devices": devices} if devices else {}
        if devices and segment.order.transaction_type == "NEW_ACTIVATION":
            answer["serviceNumber"] = "555" + f"{segment.pk:07d}"[-7:]
        return answer

    @staticmethod
    def _digest(segment: OrderSegment, salt, length: int, hexadecimal: bool = False) -> str:
        digest = hashlib.sha1(f"{segment.vendor_reference}:{salt}".encode()).hexdigest()
        if hexadecimal:
            return digest[:length].upper()
        return str(int(digest, 16))[:length]


def gateway_for(vendor: Vendor) -> VendorGateway:
    """The gateway of a vendor. Every vendor uses the simulated carrier until a real carrier
    integration is added here."""
    return SimulatedCarrier()
