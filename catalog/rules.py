"""Rules about the assets people hold: may this be done (plain functions, called by the API,
the pages and services alike)."""

from __future__ import annotations

from catalog.models import ServiceAsset
from portal import selectors as people
from portal.models import Employee
from portal.prepared import Prepared


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
    return bool(_line_held_below(employee.tenant_id, employee.pk))


# Asked by /me of every caller, prepared (portal.prepared): an employee known by ids alone is
# all reports_of reads of one.
_line_held_below = Prepared(
    lambda tenant_id, manager_id: ServiceAsset.objects.filter(
        tenant_id=tenant_id,
        account_holder_id__in=people.reports_of(Employee(pk=manager_id, tenant_id=tenant_id)),
    ).values("pk")[:1]
)
