"""Reads of the catalog and of assets, scoped to a tenant (and to an employee where it matters)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from catalog.models import Accessory, Device, DeviceAsset, Feature, Plan, Region, ServiceAsset
from portal import selectors as people
from portal.models import Employee, Hierarchy, Tenant


def accessories_offered(tenant: Tenant) -> QuerySet[Accessory]:
    return Accessory.objects.offered_to(tenant).select_related("manufacturer", "vendor")


def accessories_fitting(tenant: Tenant, device: Device) -> QuerySet[Accessory]:
    """Accessories the tenant offers that fit a device model."""
    return accessories_offered(tenant).filter(fits=device)


def devices_offered(tenant: Tenant) -> QuerySet[Device]:
    return Device.objects.offered_to(tenant).select_related("manufacturer", "vendor")


def devices_for_line(tenant: Tenant, service: ServiceAsset, *, port: bool) -> QuerySet[Device]:
    """The offered devices a line may be ordered onto: for an upgrade, its carrier's; for a port
    to another carrier, any other carrier's (tutorials/orders/port_number: not those only the
    current carrier supports); and in both, those sold by no carrier in particular."""
    offered = devices_offered(tenant)
    if port:
        return offered.exclude(vendor=service.vendor)
    return offered.filter(Q(vendor=service.vendor) | Q(vendor=None))


def plans_offered(tenant: Tenant) -> QuerySet[Plan]:
    """Plans the tenant offers, with what each comes with read along (every page and answer
    listing offered plans shows their included features): one query more, however many."""
    return (
        Plan.objects.offered_to(tenant)
        .select_related("vendor")
        .prefetch_related("included_features")
    )


def features_offered(tenant: Tenant) -> QuerySet[Feature]:
    return Feature.objects.offered_to(tenant).select_related("plan")


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def services_visible_to(employee: Employee) -> QuerySet[ServiceAsset]:
    """Lines an employee may order for (and the pages show as theirs): their own; a tenant admin
    all of them. A manager orders for her reports only by acting as them (the API's context
    headers); what she sees of their lines through the API is service_assets_for."""
    return _services(employee.tenant_id).filter(_own(employee, "account_holder"))


def service_assets_for(
    employee: Employee, *, hierarchy: Hierarchy | None = None
) -> QuerySet[ServiceAsset]:
    """The lines `/assets/services` shows the employee (concepts/actor, "Context vs.
    Filtering"): their own and, for a manager, those of everyone who reports to her, directly
    or not (default: the reporting line); a tenant admin sees all of the tenant's."""
    return _services(employee.tenant_id).filter(
        _own_or_reports(employee, "account_holder", hierarchy)
    )


def devices_visible_to(employee: Employee) -> QuerySet[DeviceAsset]:
    """Device assets an employee holds (a tenant admin: all of the tenant's); see
    device_assets_for for what `/assets/devices` shows."""
    return _devices(employee.tenant_id).filter(_own(employee, "holder"))


def device_assets_for(
    employee: Employee, *, hierarchy: Hierarchy | None = None
) -> QuerySet[DeviceAsset]:
    """The device assets `/assets/devices` shows the employee: as service_assets_for (their
    own, their reports' for a manager, all of the tenant's for a tenant admin)."""
    return _devices(employee.tenant_id).filter(_own_or_reports(employee, "holder", hierarchy))


def with_service_details(devices: QuerySet[DeviceAsset]) -> QuerySet[DeviceAsset]:
    """Device assets with what their line shows in full (ServiceSerializer) read along: a
    list of them costs the same few queries however long it is."""
    return devices.select_related(
        "service__vendor",
        "service__plan",
        "service__account_holder__department",
        "service__tenant",
    ).prefetch_related("service__features")


def _own(employee: Employee, holder: str) -> Q:
    return Q() if employee.is_tenant_admin else Q(**{holder: employee})


def _own_or_reports(employee: Employee, holder: str, hierarchy: Hierarchy | None) -> Q:
    if employee.is_tenant_admin:
        return Q()
    reports = people.reports_of(employee, hierarchy=hierarchy)
    return Q(**{holder: employee}) | Q(**{f"{holder}_id__in": reports})


def _services(tenant_id: int) -> QuerySet[ServiceAsset]:
    services = ServiceAsset.objects.filter(tenant_id=tenant_id).select_related(
        "vendor",
        "plan",
        "account_holder__department",
        "device__device__manufacturer",
        "device__manufacturer",
        "tenant",
    )
    return services.prefetch_related("features")


def _devices(tenant_id: int) -> QuerySet[DeviceAsset]:
    return DeviceAsset.objects.filter(tenant_id=tenant_id).select_related(
        "device__manufacturer", "manufacturer", "holder", "service"
    )
