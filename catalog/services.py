"""Writes to the catalog: which items a tenant offers its employees."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from catalog.models import Accessory, Device, Feature, Plan
from portal.exceptions import FieldProblem, NotAllowed, RequestInvalid
from portal.models import Employee, Tenant

logger = logging.getLogger(__name__)

# The catalog models a tenant chooses from (each has `offered_to`).
OFFERABLE = (Accessory, Device, Plan, Feature)


@transaction.atomic
def set_offered(
    *, tenant: Tenant, model: type[Accessory | Device | Plan | Feature], ids: Iterable[int],
    actor: Employee,
) -> None:  # fmt: skip
    """Offer the tenant exactly these items of one catalog model (others of that model are
    withdrawn). Orders placed already keep what they ordered.

    Raises NotAllowed (not a tenant admin of the tenant), or RequestInvalid for unknown ids.
    """
    if not (actor.is_tenant_admin and actor.tenant_id == tenant.pk):
        raise NotAllowed("Only tenant admins choose what the catalog offers.")
    if model not in OFFERABLE:
        raise ValueError(f"{model.__name__} is not offered per tenant.")
    wanted = {int(pk) for pk in ids}
    known = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        unknown = ", ".join(str(pk) for pk in sorted(wanted - known))
        raise RequestInvalid([FieldProblem("ids", "NOT_FOUND", f"No such items: {unknown}.")])
    offered = getattr(tenant, model._meta.get_field("offered_to").remote_field.related_name)
    offered.set(wanted)
    logger.info(
        "%s offered to tenant %s set by %s (%d items)",
        model._meta.verbose_name_plural, tenant.pk, actor.pk, len(wanted),
    )  # fmt: skip
