"""Rules about the assets people hold: may this be done (plain functions, called by the API,
the pages and services alike)."""

from __future__ import annotations

from catalog.models import ServiceAsset
from portal import selectors as people
from portal.models import Employee


def may_move_service(employee: Employee) -> bool:
    """Whether the employee may move a line's charges from one holder to another (MobProc
    1.1.0 "Moving a Service", `/me` `canMoveService`): an active tenant admin (any line of the
    tenant), or an active manager one of whose reports, directly or further down the
    reporting line, holds a line (theirs to move, as they see them on /assets/services).
    Nobody else: moving a line changes who pays for it, which its holder alone may not
    decide."""
    if employee.status != Employee.Status.ACTIVE:
        return False
    if employee.is_tenant_admin:
        return True
    return ServiceAsset.objects.filter(
        tenant_id=employee.tenant_id, account_holder_id__in=people.reports_of(employee)
    ).exists()
