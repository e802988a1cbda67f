"""SUSPEND, UNSUSPEND, DEACTIVATE: a change of a line's status, nothing shipped."""

from __future__ import annotations

from catalog.models import (
    TransactionType,
)
from orders.requests.common import NoShipToMixin, ServiceOrderRequestSerializer


class StatusChangeRequestSerializer(NoShipToMixin, ServiceOrderRequestSerializer):
    """SUSPEND, UNSUSPEND, DEACTIVATE: the line alone; its status decides which are allowed."""


class SuspendRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.SUSPEND


class UnsuspendRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.UNSUSPEND


class DeactivateRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.DEACTIVATE
