"""Moving a line to another employee (tutorials/move, `POST /assets/services/{id}/move`, and
the line page's form): who may (catalog.permissions.can_move_service), not while an order is
open on the line (it was placed for, and ships or bills to, the holder it has now), then
catalog.services.move_service changes the holder and records the move."""

from __future__ import annotations

from django.db import transaction

from catalog import permissions as catalog_permissions
from catalog import services as catalog_services
from catalog.models import ServiceAsset
from orders import conflicts, rules
from orders.models import Order
from portal.exceptions import FieldProblem, NotAllowed, RequestInvalid
from portal.models import Employee

MOVE_CHARGES = catalog_services.MoveCharges.CHOICES


def move_blocker(service: ServiceAsset) -> rules.Blocker | None:
    """The oldest open order on the line: none may be open while it changes holder."""
    rival = (
        Order.objects.filter(
            tenant_id=service.tenant_id, service=service, status__in=conflicts.OPEN_STATUSES
        )
        .order_by("submitted_at", "pk")
        .first()
    )
    return rules.conflict_message(rival, service=service) if rival is not None else None


class MoveRefused(RequestInvalid):
    """An open order stands in the way (the API answers 400 CONFLICTING_ORDER)."""


def move_line(
    *,
    service: ServiceAsset,
    new_owner: Employee | None,
    move_charges: str,
    actor: Employee,
    owner_field: str = "newOwnerEmployeeId",
) -> ServiceAsset:
    """Move the line to `new_owner` (None: the id given named nobody of the tenant).

    Raises NotAllowed (may not move this line), RequestInvalid (every problem of what was given,
    at `owner_field` and `moveCharges`), MoveRefused (an open order on the line).
    """
    if not catalog_permissions.can_move_service(actor, service):
        raise NotAllowed("You may not move this line to someone else.")
    with transaction.atomic():
        # Locked before looking for open orders: a move and an order on the line do not cross.
        service = ServiceAsset.objects.select_for_update(of=("self",)).get(pk=service.pk)
        if new_owner is None:
            raise RequestInvalid(
                [
                    FieldProblem(owner_field, "NOT_FOUND", "No such employee."),
                    *catalog_services.move_charges_problems(move_charges),
                ]
            )
        blocker = move_blocker(service)
        if blocker is not None:
            raise MoveRefused([FieldProblem("id", blocker.code, blocker.message)])
        try:
            return catalog_services.move_service(
                service=service, new_owner=new_owner, move_charges=move_charges, actor=actor
            )
        except RequestInvalid as exc:
            raise RequestInvalid(
                [
                    FieldProblem(
                        owner_field if p.field == "newOwner" else p.field, p.code, p.message
                    )
                    for p in exc.problems
                ]
            ) from exc
