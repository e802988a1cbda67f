"""Reads of the catalog and of assets, scoped to a tenant (and to an employee where it matters)."""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import Accessory, Device, DeviceAsset, Feature, Plan, Region, ServiceAsset
from portal.models import Employee, Tenant


def accessories_offered(tenant: Tenant) -> QuerySet[Accessory]:
    return Accessory.objects.offered_to(tenant).select_related("manufacturer", "vendor")


def accessories_fitting(tenant: Tenant, device: Device) -> QuerySet[Accessory]:
    """Accessories the tenant offers that fit a device model."""
    return accessories_offered(tenant).filter(fits=device)


def devices_offered(tenant: Tenant) -> QuerySet[Device]:
    return Device.objects.offered_to(tenant).select_related("manufacturer", "vendor")


def plans_offered(tenant: Tenant) -> QuerySet[Plan]:
    return Plan.objects.offered_to(tenant).select_related("vendor")


def features_offered(tenant: Tenant) -> QuerySet[Feature]:
    return Feature.objects.offered_to(tenant).select_related("plan")


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def services_visible_to(employee: Employee) -> QuerySet[ServiceAsset]:
    """Lines an employee may see and order for: their own; a tenant admin sees all of them."""
    services = ServiceAsset.objects.filter(tenant_id=employee.tenant_id).select_related(
        "vendor",
        "plan",
        "account_holder__department",
        "device__device__manufacturer",
        "device__manufacturer",
        "tenant",
    )
    if not employee.is_tenant_admin:
        services = services.filter(account_holder=employee)
    return services.prefetch_related("features")


def devices_visible_to(employee: Employee) -> QuerySet[DeviceAsset]:
    devices = DeviceAsset.objects.filter(tenant_id=employee.tenant_id).select_related(
        "device__manufacturer", "manufacturer", "holder", "service"
    )
    if not employee.is_tenant_admin:
        devices = devices.filter(holder=employee)
    return devices
