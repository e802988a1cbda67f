"""Writes to the catalog (which items a tenant offers its employees) and to the assets."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

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
from portal import audit
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
    before = sorted(str(item) for item in offered.all())
    offered.set(wanted)
    label = model._meta.verbose_name_plural
    audit.record_change(
        tenant=tenant,
        actor=actor,
        action=audit.UPDATED,
        target_type=audit.CATALOG_OFFERING,
        target_id=model.__name__,
        target_name=f"{label[:1].upper()}{label[1:]} offered",
        before={"offered": before},
        after={"offered": sorted(str(item) for item in model.objects.filter(pk__in=wanted))},
    )
    logger.info(
        "%s offered to tenant %s set by %s (%d items)",
        model._meta.verbose_name_plural, tenant.pk, actor.pk, len(wanted),
    )  # fmt: skip


@transaction.atomic
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
    audit.record_change(
        tenant=tenant,
        actor=actor,
        action=audit.UPDATED,
        target_type=audit.UPGRADE_PERIOD,
        target_id=tenant.pk,
        target_name="Upgrade period",
        before={"upgrade_eligibility_months": before},
        after={"upgrade_eligibility_months": tenant.upgrade_eligibility_months},
    )
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


@transaction.atomic
def port_line(service: ServiceAsset, *, plan: Plan, features: Iterable[Feature]) -> None:
    """The line, number kept, is with the plan's carrier now (PORT_NUMBER), on that plan and
    exactly these features: the old carrier's end with the port."""
    service.vendor, service.plan = plan.vendor, plan
    service.save(update_fields=["vendor", "plan", "updated_at"])
    service.features.set(features)
    logger.info("line %s ported to %s", service.service_number, plan.vendor)


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
    DeviceAsset.objects.filter(service=service).update(service=None, updated_at=timezone.now())


def transfer_line_out(service: ServiceAsset) -> None:
    """The line is its holder's own now (XFER_SERVICE_OUT): TRANSFERRED, no longer one of the
    company's; the number may come back later. The device goes with it and is no longer on
    record as on a line of the company (it stays with its holder)."""
    set_line_status(service, ServiceAsset.Status.TRANSFERRED)
    _take_device_off(service)


# --- Moving a line to another holder (tutorials/move) ------------------------------------------

SERVICE_ASSIGNMENT = audit.SERVICE_ASSIGNMENT


class MoveCharges:
    """Which charges go with a moved line (MobProc `moveCharges`). Procure keeps no bill: the
    choice is recorded with the move, for the billing system to act on."""

    NONE = "MOVE_NO_CHARGES"
    LAST_MONTH = "MOVE_CHARGES_FOR_LAST_MONTH_ONLY"
    ALL = "MOVE_ALL_CHARGES"
    CHOICES = (NONE, LAST_MONTH, ALL)


def move_charges_problems(move_charges: str) -> list[FieldProblem]:
    if move_charges in MoveCharges.CHOICES:
        return []
    choices = ", ".join(MoveCharges.CHOICES)
    return [FieldProblem("moveCharges", "INVALID_VALUE", f"Give moveCharges: one of {choices}.")]


@transaction.atomic
def move_service(
    *, service: ServiceAsset, new_owner: Employee, move_charges: str, actor: Employee
) -> ServiceAsset:
    """Give the line (and the device on it) to `new_owner`, recording the move and the
    charges asked to move with it in the audit trail. Who may move it, and whether an open
    order stands in the way, is the caller's to check (catalog.permissions, orders.moves).

    Raises RequestInvalid for the same holder, another tenant's or an inactive employee, or
    an unknown moveCharges.
    """
    service = ServiceAsset.objects.select_for_update(of=("self",)).get(pk=service.pk)
    problems = move_charges_problems(move_charges)
    if new_owner.tenant_id != service.tenant_id:
        problems.append(FieldProblem("newOwner", "NOT_FOUND", "No such employee."))
    elif new_owner.pk == service.account_holder_id:
        problems.append(
            FieldProblem(
                "newOwner", "SAME_OWNER", f"{new_owner.full_name} holds this line already."
            )
        )
    elif new_owner.status != Employee.Status.ACTIVE:
        problems.append(
            FieldProblem("newOwner", "NOT_ACTIVE", f"{new_owner.full_name} is not active.")
        )
    if problems:
        raise RequestInvalid(problems)
    before = service.account_holder
    service.account_holder = new_owner
    service.save(update_fields=["account_holder", "updated_at"])
    DeviceAsset.objects.filter(service=service).update(holder=new_owner, updated_at=timezone.now())
    audit.record_change(
        tenant=service.tenant_id,
        actor=actor,
        action=audit.UPDATED,
        target_type=SERVICE_ASSIGNMENT,
        target_id=service.pk,
        target_name=f"Line {service.service_number}",
        before={"holder": before.full_name, "holderId": before.pk},
        after={
            "holder": new_owner.full_name,
            "holderId": new_owner.pk,
            "moveCharges": move_charges,
        },
    )
    logger.info(
        "line %s moved from employee %s to %s by %s (%s)",
        service.service_number, before.pk, new_owner.pk, actor.pk, move_charges,
    )  # fmt: skip
    return service
