"""Writes to the catalog (which items a tenant offers its employees) and to the assets."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    Manufacturer,
    Plan,
    ServiceAsset,
    add_months,
)
from portal.exceptions import FieldProblem, RequestInvalid
from portal.ids import is_id
from portal.models import Employee, Tenant
from portal.services import require_tenant_admin

logger = logging.getLogger(__name__)

# The catalog models a tenant chooses from (each has `offered_to`).
OFFERABLE = (Accessory, Device, Plan, Feature)
# How long after a device upgrade a line may be upgraded again, in months: at least one, at
# most five years (longer than any carrier contract).
UPGRADE_PERIOD_MONTHS = (1, 60)


@transaction.atomic
def set_offered(
    *, tenant: Tenant, model: type[Accessory | Device | Plan | Feature], ids: Iterable[int],
    actor: Employee,
) -> None:  # fmt: skip
    """Offer the tenant exactly these items of one catalog model (others of that model are
    withdrawn). Orders placed already keep what they ordered.

    Raises NotTenantAdmin, or RequestInvalid for unknown ids.
    """
    require_tenant_admin(actor, tenant.pk)
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


def set_upgrade_period(tenant: Tenant, months: int | str, actor: Employee) -> None:
    """Set how many months after its last device upgrade (or its contract start) a line of the
    tenant may be upgraded again; every line's ServiceAsset.upgrade_eligibility_date follows.

    `months` may be as typed into a form. Raises NotTenantAdmin, or RequestInvalid unless it is
    a whole number from 1 to 60.
    """
    require_tenant_admin(actor, tenant.pk)
    low, high = UPGRADE_PERIOD_MONTHS
    text = str(months).strip()
    if isinstance(months, bool) or not is_id(text) or not low <= int(text) <= high:
        raise RequestInvalid(
            [
                FieldProblem(
                    "upgradeEligibilityMonths",
                    "INVALID_VALUE",
                    f"Give the upgrade period as a whole number of months from {low} to {high}.",
                )
            ]
        )
    before = tenant.upgrade_eligibility_months
    tenant.upgrade_eligibility_months = int(text)
    tenant.save(update_fields=["upgrade_eligibility_months"])
    logger.info(
        "upgrade period of tenant %s set from %d to %d months by %s",
        tenant.pk, before, tenant.upgrade_eligibility_months, actor.pk,
    )  # fmt: skip


# --- Assets: what completed orders do to lines and devices (orders.effects calls these) --------


def activate_line(
    *,
    tenant: Tenant,
    holder: Employee,
    service_number: str,
    plan: Plan,
    features: Iterable[Feature],
    when: datetime,
) -> ServiceAsset:
    """A new ACTIVE line on the plan's carrier, its contract starting now."""
    service = ServiceAsset.objects.create(
        tenant=tenant,
        service_number=service_number,
        vendor=plan.vendor,
        plan=plan,
        status=ServiceAsset.Status.ACTIVE,
        account_holder=holder,
        activated_at=when,
        contract_start=when,
        contract_end=add_months(when, tenant.upgrade_eligibility_months),
        last_device_upgrade=when,
    )
    service.features.set(features)
    logger.info("line %s activated for employee %s", service.service_number, holder.pk)
    return service


def put_device_on_line(
    service: ServiceAsset,
    *,
    device: Device | None,
    manufacturer: Manufacturer | None = None,
    other_make_model: str = "",
    serial_number_type: str,
    serial_number: str,
    sim_id: str = "",
) -> DeviceAsset:
    """Move a line to a device: the spare one the holder (or nobody) has with that serial
    number, or a new asset. The line's previous device stays with its holder, on no line."""
    _take_device_off(service)
    spare = DeviceAsset.objects.filter(
        Q(holder=service.account_holder) | Q(holder=None),
        tenant_id=service.tenant_id,
        serial_number=serial_number,
        service__isnull=True,
    )
    asset = spare.first() or DeviceAsset(tenant_id=service.tenant_id, serial_number=serial_number)
    asset.device = device
    asset.manufacturer = device.manufacturer if device else manufacturer
    asset.other_make_model = "" if device else other_make_model
    asset.serial_number_type = serial_number_type
    asset.holder = service.account_holder
    asset.service = service
    asset.sim_id = sim_id or asset.sim_id
    asset.access_method = device.access_method if device else asset.access_method
    asset.save()
    return asset


def change_plan(
    service: ServiceAsset, *, plan: Plan | None, add: Iterable[Feature], remove: Iterable[Feature]
) -> None:
    if plan is not None and plan.pk != service.plan_id:
        service.plan = plan
        service.save(update_fields=["plan"])
    service.features.remove(*remove)
    service.features.add(*add)


def record_upgrade(service: ServiceAsset, when: datetime) -> None:
    service.last_device_upgrade = when
    service.save(update_fields=["last_device_upgrade"])


def set_line_status(service: ServiceAsset, status: str) -> None:
    """Suspend, resume or deactivate a line; a deactivated line gives its device up."""
    service.status = status
    service.save(update_fields=["status"])
    if status == ServiceAsset.Status.DEACTIVATED:
        _take_device_off(service)
    logger.info("line %s is %s now", service.service_number, status)


def _take_device_off(service: ServiceAsset) -> None:
    """The line's device stays with its holder, on no line."""
    DeviceAsset.objects.filter(service=service).update(service=None)
