"""Who may do what to an asset (plain functions, called by the API, the pages and services)."""

from __future__ import annotations

from catalog import rules
from catalog.models import ServiceAsset
from portal import selectors as people
from portal.models import Employee


def can_move_service(employee: Employee, service: ServiceAsset) -> bool:
    """Whether the employee may move this line to another holder: one who may move lines at
    all (catalog.rules.may_move_service, `/me` `canMoveService`), and for this line a tenant
    admin of its tenant, or a manager of its holder (directly or further down the reporting
    line). Never its holder alone: moving a line moves who pays for it."""
    if service.tenant_id != employee.tenant_id or not rules.may_move_service(employee):
        return False
    if employee.is_tenant_admin:
        return True
    return ServiceAsset.objects.filter(
        pk=service.pk, account_holder_id__in=people.reports_of(employee)
    ).exists()
