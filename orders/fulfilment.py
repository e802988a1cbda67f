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
from django.utils import timezone

from catalog.models import Vendor
from orders.models import OrderSegment


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
    """What the vendor says about a segment it acknowledged."""

    shipped: bool = False
    delivered: bool = False
    carrier: str = ""
    tracking_number: str = ""
    response: dict = field(default_factory=dict)
    check_again_at: datetime | None = None


class VendorGateway(ABC):
    @abstractmethod
    def submit(self, segment: OrderSegment) -> Acknowledgement:
        """Send the segment to the vendor. Raises TransientVendorError, PermanentVendorError."""

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
        reference = f"SIM-{segment.vendor_id}-{segment.pk}"
        return Acknowledgement(
            reference=reference,
            response={"status": 201, "reference": reference, "vendor": segment.vendor.name},
            check_at=timezone.now() + self.delay,
        )

    def progress(self, segment: OrderSegment) -> Progress:
        now = timezone.now()
        shipped_at = segment.sent_at + self.delay
        if now < shipped_at:
            return Progress(check_again_at=shipped_at)
        tracking = "1Z" + hashlib.sha1(segment.vendor_reference.encode()).hexdigest()[:16].upper()
        delivered = now >= shipped_at + self.delay
        return Progress(
            shipped=True,
            delivered=delivered,
            carrier=f"{segment.vendor.name} Logistics",
            tracking_number=tracking,
            response={"status": 200, "state": "DELIVERED" if delivered else "SHIPPED"},
            check_again_at=None if delivered else shipped_at + self.delay,
        )


def gateway_for(vendor: Vendor) -> VendorGateway:
    """The gateway of a vendor. Every vendor uses the simulated carrier until a real carrier
    integration is added here."""
    return SimulatedCarrier()
