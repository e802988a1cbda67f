"""What an order must have acknowledged (tutorials/acknowledgements): every REQUIRED
acknowledgement its vendor asks of its transaction type (catalog.acknowledgements), accepted
(`"boolean": true`). The one rule; orders.requests places each problem at
`acknowledgements.<id>`, and the pages show each acknowledgement as a checkbox beside which
that problem appears."""

from __future__ import annotations

from catalog import acknowledgements as catalog_acknowledgements
from catalog.models import Acknowledgement, Vendor
from orders.rules import Blocker
from portal.models import Tenant

NOT_ACKNOWLEDGED = "NOT_ACKNOWLEDGED"
REQUIRED_MESSAGE = "Required: the vendor accepts the order only with this acknowledged (true)."


def asked(tenant: Tenant, vendor: Vendor | int, transaction_type: str) -> list[Acknowledgement]:
    """The acknowledgements the vendor asks for this type (REQUIRED and OPTIONAL), in order."""
    return list(catalog_acknowledgements.acknowledgements_for(tenant, vendor, transaction_type))


def acknowledgement_blockers(
    tenant: Tenant, vendor: Vendor | int, transaction_type: str, given: list[dict]
) -> dict[str, Blocker]:
    """Each required acknowledgement not accepted in `given` ([{"id", "boolean"}]), by id.
    Ids the vendor does not ask for are passed on as given (the vendor reads them, not us)."""
    accepted = {answer["id"] for answer in given if answer.get("boolean") is True}
    return {
        ack.ack_id: Blocker(NOT_ACKNOWLEDGED, REQUIRED_MESSAGE)
        for ack in asked(tenant, vendor, transaction_type)
        if ack.is_required and ack.ack_id not in accepted
    }
