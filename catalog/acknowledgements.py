"""What a vendor asks of the employee for one transaction type (tutorials/acknowledgements):
the info blocks to read and the acknowledgements to accept, configured per tenant. Reads for
the API, the order pages and orders.acknowledgements (which decides what an order must carry);
writes for the tenant admin area, each with its audit row."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from catalog.models import Acknowledgement, InfoBlock, TransactionType, Vendor
from portal import audit
from portal.exceptions import FieldProblem, NotFound, RequestInvalid
from portal.models import Employee, Tenant
from portal.services import require_tenant_admin

logger = logging.getLogger(__name__)

ACKNOWLEDGEMENT = audit.ACKNOWLEDGEMENT
# The types whose orders carry acknowledgements (orders.requests.transfers): transfers of
# ownership, as the tutorial has it.
CONFIGURABLE = (
    TransactionType.XFER_SERVICE_OUT,
    TransactionType.XFER_SERVICE_IN,
    TransactionType.XFER_SERVICE_IN_AND_PORT,
)
ACK_ID = re.compile(r"[A-Z][A-Z0-9_]{0,49}")


@dataclass(frozen=True)
class Disclosures:
    info_blocks: list[InfoBlock]
    acknowledgements: list[Acknowledgement]


def acknowledgements_for(
    tenant: Tenant, vendor: Vendor | int, transaction_type: str
) -> QuerySet[Acknowledgement]:
    """The acknowledgements the vendor asks for this type, in their order (one query)."""
    return Acknowledgement.objects.filter(
        tenant=tenant, vendor=vendor, transaction_type=transaction_type
    ).order_by("position", "pk")


def disclosures_for(tenant: Tenant, vendor: Vendor | int, transaction_type: str) -> Disclosures:
    """The info blocks and acknowledgements of the vendor for this type (two queries)."""
    blocks = InfoBlock.objects.filter(
        tenant=tenant, vendor=vendor, transaction_type=transaction_type
    ).order_by("position", "pk")
    return Disclosures(list(blocks), list(acknowledgements_for(tenant, vendor, transaction_type)))


def configured(tenant: Tenant) -> QuerySet[Acknowledgement]:
    """Every acknowledgement of the tenant, for the admin area's list."""
    return (
        Acknowledgement.objects.filter(tenant=tenant)
        .select_related("vendor")
        .order_by("vendor__name", "transaction_type", "position", "pk")
    )


def _snapshot(ack: Acknowledgement) -> dict:
    return {
        "vendor": ack.vendor.name,
        "transactionType": ack.transaction_type,
        "id": ack.ack_id,
        "label": ack.label,
        "validation": ack.validation,
        "position": ack.position,
    }


@transaction.atomic
def save_acknowledgement(
    *,
    tenant: Tenant,
    actor: Employee,
    vendor_id: int | str,
    transaction_type: str,
    ack_id: str,
    label: str,
    validation: str,
    position: int | str = 0,
    ack: Acknowledgement | None = None,
) -> Acknowledgement:
    """Add an acknowledgement (or change `ack`). Raises NotTenantAdmin, or RequestInvalid
    listing every problem with what was given."""
    require_tenant_admin(actor, tenant.pk)
    problems = []
    vendor = Vendor.objects.filter(pk=vendor_id).first() if str(vendor_id).isdigit() else None
    if vendor is None:
        problems.append(FieldProblem("vendor", "INVALID_VALUE", "Choose a vendor."))
    if transaction_type not in CONFIGURABLE:
        problems.append(FieldProblem("transactionType", "INVALID_VALUE", "Choose a transfer type."))
    ack_id = (ack_id or "").strip().upper()
    if not ACK_ID.fullmatch(ack_id):
        problems.append(
            FieldProblem(
                "id",
                "INVALID_VALUE",
                "Give an id of capital letters, digits and _ (at most 50), e.g. SHARED_PLAN.",
            )
        )
    label = (label or "").strip()
    if not label or len(label) > 500:
        problems.append(
            FieldProblem("label", "INVALID_VALUE", "Give the text to accept (at most 500).")
        )
    if validation not in Acknowledgement.Validation.values:
        problems.append(FieldProblem("validation", "INVALID_VALUE", "Required or optional."))
    text = str(position).strip() or "0"
    if not text.isdigit() or int(text) > 1000:
        problems.append(FieldProblem("position", "INVALID_VALUE", "A number from 0 to 1000."))
    if problems:
        raise RequestInvalid(problems)
    before = _snapshot(ack) if ack is not None else None
    row = ack or Acknowledgement(tenant=tenant)
    row.vendor, row.transaction_type, row.ack_id = vendor, transaction_type, ack_id
    row.label, row.validation, row.position = label, validation, int(text)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise RequestInvalid(
            [FieldProblem("id", "DUPLICATE", f"{vendor.name} asks {ack_id} for this type already.")]
        ) from exc
    audit.record_change(
        tenant=tenant,
        actor=actor,
        action=audit.UPDATED if before else audit.CREATED,
        target_type=ACKNOWLEDGEMENT,
        target_id=row.pk,
        target_name=f"{vendor.name} {transaction_type} {ack_id}",
        before=before or {},
        after=_snapshot(row),
    )
    logger.info("acknowledgement %s of tenant %s saved by %s", row.pk, tenant.pk, actor.pk)
    return row


@transaction.atomic
def delete_acknowledgement(*, tenant: Tenant, actor: Employee, pk: int) -> None:
    """Remove one of the tenant's acknowledgements (orders placed keep what they accepted).
    Raises NotTenantAdmin, NotFound."""
    require_tenant_admin(actor, tenant.pk)
    ack = Acknowledgement.objects.select_related("vendor").filter(tenant=tenant, pk=pk).first()
    if ack is None:
        raise NotFound("No such acknowledgement.")
    before = _snapshot(ack)
    ack.delete()
    audit.record_change(
        tenant=tenant,
        actor=actor,
        action=audit.DELETED,
        target_type=ACKNOWLEDGEMENT,
        target_id=pk,
        target_name=f"{before['vendor']} {before['transactionType']} {before['id']}",
        before=before,
        after={},
    )
