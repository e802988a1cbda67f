"""Writes about a tenant's hierarchies (tenant admins): create, rename, make default, delete,
and place everyone in one at once. One manager at a time is portal.services.set_manager; the
rules of who may be a manager are its own (`_manager_problem`), applied here to the whole set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction

from portal import audit, services
from portal.exceptions import Conflict, FieldProblem, NotAllowed, RequestInvalid
from portal.models import Employee, Hierarchy, ReportingLine, Tenant
from portal.text import described, unstorable

logger = logging.getLogger(__name__)

NAME_MAX = 100


def _lock(tenant: Tenant) -> list[Hierarchy]:
    """The tenant's hierarchies, locked: one default at a time, no loop closed by two edits."""
    return list(Hierarchy.objects.select_for_update().filter(tenant=tenant).order_by("pk"))


def _name_problems(tenant: Tenant, name: str, hierarchy: Hierarchy | None) -> list[FieldProblem]:
    if not name:
        return [FieldProblem("name", "REQUIRED", "Give the hierarchy a name.")]
    if unstorable(name):
        return [
            FieldProblem(
                "name", "INVALID_CHARACTER", f"The name contains {described(name)}, not allowed."
            )
        ]
    if len(name) > NAME_MAX:
        return [FieldProblem("name", "TOO_LONG", f"Keep the name to {NAME_MAX} characters.")]
    taken = Hierarchy.objects.filter(tenant=tenant, name__iexact=name)
    if hierarchy is not None:
        taken = taken.exclude(pk=hierarchy.pk)
    if taken.exists():
        return [FieldProblem("name", "DUPLICATE", f"There is a hierarchy {name} already.")]
    return []


@transaction.atomic
def save_hierarchy(
    *, tenant: Tenant, actor: Employee, name: str | None = None, is_default: bool | None = None,
    hierarchy: Hierarchy | None = None,
) -> Hierarchy:  # fmt: skip
    """Create a hierarchy (`hierarchy` None; the tenant's first is its default), or rename it
    and/or make it the default (the previous default stops being one). Raises NotTenantAdmin,
    or RequestInvalid: no name, a character not allowed, too long, taken; un-defaulting the
    default (a tenant always has one: make another the default instead)."""
    services.require_tenant_admin(actor, tenant.pk)
    hierarchies = _lock(tenant)
    current_default = next((h for h in hierarchies if h.is_default), None)
    if hierarchy is not None:
        hierarchy = next((h for h in hierarchies if h.pk == hierarchy.pk), None)
        if hierarchy is None:
            raise NotAllowed("That hierarchy belongs to another tenant.")
    problems = []
    if name is not None or hierarchy is None:
        name = (name or "").strip()
        problems += _name_problems(tenant, name, hierarchy)
    if is_default is False and hierarchy is not None and hierarchy.is_default:
        problems.append(
            FieldProblem(
                "is_default",
                "INVALID_VALUE",
                "A tenant always has a default hierarchy: make another one the default instead.",
            )
        )
    if problems:
        raise RequestInvalid(problems)
    make_default = bool(is_default) or current_default is None
    before = None
    if hierarchy is not None:
        before = {"name": hierarchy.name, "is_default": hierarchy.is_default}
    if make_default and current_default is not None and current_default != hierarchy:
        # First the old default, then the new one: one default per tenant (a constraint).
        current_default.is_default = False
        current_default.save(update_fields=["is_default"])
    if hierarchy is None:
        hierarchy = Hierarchy.objects.create(tenant=tenant, name=name, is_default=make_default)
    else:
        if name is not None:
            hierarchy.name = name
        hierarchy.is_default = hierarchy.is_default or make_default
        hierarchy.save(update_fields=["name", "is_default"])
    after = {"name": hierarchy.name, "is_default": hierarchy.is_default}
    if before != after:
        audit.record_change(
            tenant=tenant, actor=actor, action=audit.CREATED if before is None else audit.UPDATED,
            target_type=audit.HIERARCHY, target_id=hierarchy.pk, target_name=hierarchy.name,
            before=before, after=after,
        )  # fmt: skip
    logger.info("hierarchy %s saved by %s", hierarchy.pk, actor.pk)
    return hierarchy


@transaction.atomic
def delete_hierarchy(*, hierarchy: Hierarchy, actor: Employee) -> None:
    """Delete a hierarchy that is not the default, with its reporting lines. Approval steps
    that named it follow the reporting line from then on (the page says which they are).
    Raises NotTenantAdmin, or Conflict (HIERARCHY_IS_DEFAULT)."""
    services.require_tenant_admin(actor, hierarchy.tenant_id)
    hierarchies = _lock(hierarchy.tenant)
    hierarchy = next(h for h in hierarchies if h.pk == hierarchy.pk)
    if hierarchy.is_default:
        raise Conflict(
            f"{hierarchy.name} is the default hierarchy: make another one the default first.",
            code="HIERARCHY_IS_DEFAULT",
        )
    lines = ReportingLine.objects.filter(hierarchy=hierarchy).count()
    audit.record_change(
        tenant=hierarchy.tenant, actor=actor, action=audit.DELETED, target_type=audit.HIERARCHY,
        target_id=hierarchy.pk, target_name=hierarchy.name,
        before={"name": hierarchy.name, "is_default": False, "lines": lines}, after=None,
    )  # fmt: skip
    hierarchy.delete()
    logger.info("hierarchy %s deleted by %s", hierarchy.name, actor.pk)


def _loop_of(employee_id: int, managers: Mapping[int, int]) -> bool:
    seen, current = {employee_id}, managers.get(employee_id)
    while current is not None:
        if current in seen:
            return current == employee_id
        seen.add(current)
        current = managers.get(current)
    return False


@transaction.atomic
def set_reporting_lines(
    *, hierarchy: Hierarchy, actor: Employee, lines: Mapping[Employee, Employee | None],
    replace: bool = True,
) -> None:  # fmt: skip
    """Place people in a hierarchy at once: each employee's manager (None: nobody). With
    `replace`, whoever is not in `lines` has no manager in it afterwards (the API's PUT); else
    only those given change (the page's form). All or nothing.

    The rules are set_manager's, for the whole set: nobody manages themselves, a new manager is
    an active colleague (an unchanged line to someone who has left stays), and no loop.
    Raises NotTenantAdmin, or RequestInvalid with each problem at `lines.<employee id>`.
    """
    services.require_tenant_admin(actor, hierarchy.tenant_id)
    _lock(hierarchy.tenant)
    current = dict(
        ReportingLine.objects.filter(hierarchy=hierarchy).values_list("employee_id", "manager_id")
    )
    wanted = {} if replace else dict(current)
    for employee, manager in lines.items():
        wanted.pop(employee.pk, None)
        if manager is not None:
            wanted[employee.pk] = manager.pk
    problems = []
    for employee, manager in lines.items():
        path = f"lines.{employee.pk}"
        if employee.tenant_id != hierarchy.tenant_id:
            problems.append(FieldProblem(path, "NOT_FOUND", "Choose a colleague."))
        elif manager is None:
            continue
        elif manager.pk == employee.pk:
            problems.append(FieldProblem(path, "INVALID_VALUE", "Nobody manages themselves."))
        elif manager.tenant_id != employee.tenant_id or (
            manager.status != Employee.Status.ACTIVE and current.get(employee.pk) != manager.pk
        ):
            problems.append(FieldProblem(path, "INVALID_VALUE", "Choose an active colleague."))
        elif _loop_of(employee.pk, wanted):
            problems.append(
                FieldProblem(
                    path,
                    "INVALID_VALUE",
                    f"{manager.full_name} reports to {employee.full_name}: that would be a loop.",
                )
            )
    if problems:
        raise RequestInvalid(problems)
    gone = [pk for pk in current if pk not in wanted]
    changed = {pk: m for pk, m in wanted.items() if current.get(pk) != m}
    ReportingLine.objects.filter(hierarchy=hierarchy, employee_id__in=gone).delete()
    for employee_id, manager_id in changed.items():
        ReportingLine.objects.update_or_create(
            hierarchy=hierarchy, employee_id=employee_id, defaults={"manager_id": manager_id}
        )
    people = Employee.objects.only("first_name", "last_name").in_bulk(
        {*gone, *changed, *changed.values(), *current.values()}
    )

    def manager(pk: int | None) -> dict | None:
        return None if pk is None else {"manager_id": pk, "manager": people[pk].full_name}

    for employee_id in [*gone, *changed]:
        before, after = current.get(employee_id), wanted.get(employee_id)
        audit.record_change(
            tenant=hierarchy.tenant, actor=actor,
            action=audit.DELETED if after is None
            else audit.CREATED if before is None else audit.UPDATED,
            target_type="reporting line", target_id=employee_id,
            target_name=f"{people[employee_id].full_name} in {hierarchy.name}",
            before=manager(before), after=manager(after),
        )  # fmt: skip
    logger.info("%d reporting lines of hierarchy %s changed by %s",
                len(gone) + len(changed), hierarchy.pk, actor.pk)  # fmt: skip
