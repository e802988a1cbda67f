"""Writes about the organisation's people and departments (tenant admins): new employees,
their particulars, departments. Roles and status go through portal.services.update_employee,
managers through portal.hierarchies (set_manager's rules), whose rules these call rather than
repeat.

A new employee gets no Django user: signing in is Django's username and password
(portal.auth), and an account is the platform operator's to link (Django admin,
Employee.user). Until then the person can be ordered for, approve by e-mail link when the
tenant allows it, and be named manager, delegate or group member.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ManyToManyRel, ManyToOneRel

from portal import audit, hierarchies, services
from portal.exceptions import Conflict, FieldProblem, RequestInvalid
from portal.models import (
    Department,
    Employee,
    EmployeeAttribute,
    EmployeeAttributeValue,
    Hierarchy,
    Tenant,
)
from portal.text import described, unstorable

logger = logging.getLogger(__name__)

NAME_MAX = 100
COMPANY_ID_MAX = 150
EMAIL_MAX = 254
PHONE_MAX = 40
DEPARTMENT_MAX = 200
UNSET = object()  # an argument left out (None may mean "nobody" / "no department")


@dataclass
class PersonInput:
    """An employee's particulars as an admin writes them (a form or the API's body), each
    None where not given. `managers`: hierarchy -> manager (None: nobody), only those given."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company_employee_id: str | None = None
    office_phone: str | None = None
    department: Department | object | None = UNSET
    is_tenant_admin: bool | None = None
    status: str | None = None
    managers: dict[Hierarchy, Employee | None] = field(default_factory=dict)


def _text_problem(name: str, value: str, *, required: bool, limit: int, label: str):
    if not value:
        return FieldProblem(name, "REQUIRED", f"Give the {label}.") if required else None
    if unstorable(value):
        return FieldProblem(
            name, "INVALID_CHARACTER", f"The {label} contains {described(value)}, not allowed."
        )
    if len(value) > limit:
        return FieldProblem(name, "TOO_LONG", f"Keep the {label} to {limit} characters.")
    return None


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _person_problems(tenant: Tenant, data: PersonInput, employee: Employee | None) -> list:
    """Problems with the particulars given (all of them when creating: `employee` None)."""
    creating = employee is None
    problems = []
    texts = [
        ("first_name", NAME_MAX, "first name", True),
        ("last_name", NAME_MAX, "last name", True),
        ("email", EMAIL_MAX, "e-mail address", True),
        ("company_employee_id", COMPANY_ID_MAX, "company employee id", True),
        ("office_phone", PHONE_MAX, "office phone", False),
    ]
    for name, limit, label, required in texts:
        value = getattr(data, name)
        if value is None and not creating:
            continue
        problem = _text_problem(name, (value or "").strip(), required=required, limit=limit,
                                label=label)  # fmt: skip
        if problem:
            problems.append(problem)
    taken = {p.field for p in problems}
    others = Employee.objects.filter(tenant=tenant)
    if employee is not None:
        others = others.exclude(pk=employee.pk)
    email = (data.email or "").strip()
    if "email" not in taken and email:
        if not _is_email(email):
            problems.append(FieldProblem("email", "INVALID_VALUE", "Give an e-mail address."))
        elif others.filter(email__iexact=email).exists():
            problems.append(
                FieldProblem("email", "DUPLICATE", f"Someone of the tenant has {email} already.")
            )
    company_id = (data.company_employee_id or "").strip()
    if (
        "company_employee_id" not in taken
        and company_id
        and others.filter(company_employee_id__iexact=company_id).exists()
    ):
        problems.append(
            FieldProblem("company_employee_id", "DUPLICATE", f"{company_id} is someone else's id.")
        )
    department = data.department
    if isinstance(department, Department) and department.tenant_id != tenant.pk:
        problems.append(FieldProblem("department", "NOT_FOUND", "Choose a department."))
    if data.status is not None and data.status not in Employee.Status.values:
        problems.append(FieldProblem("status", "INVALID_VALUE", "Choose a status."))
    return problems


def _snapshot(employee: Employee, *, role: bool = True) -> dict:
    """The employee as the audit records them; `role`: with their rights and status (which
    services.update_employee records itself when it changes them)."""
    particulars = {
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email,
        "company_employee_id": employee.company_employee_id,
        "office_phone": employee.office_phone,
        "department": employee.department.name if employee.department_id else None,
    }
    if role:
        particulars |= {"is_tenant_admin": employee.is_tenant_admin, "status": employee.status}
    return particulars


@transaction.atomic
def create_employee(*, tenant: Tenant, actor: Employee, data: PersonInput) -> Employee:
    """Add an employee to the tenant (no Django user: see the module's docstring), with their
    managers. Raises NotTenantAdmin, or RequestInvalid listing every problem: a missing or
    malformed particular, an e-mail address or company employee id someone of the tenant has
    already, a department of another tenant, a manager set_manager would refuse
    (`managers.<hierarchy id>`)."""
    services.require_tenant_admin(actor, tenant.pk)
    problems = _person_problems(tenant, data, None)
    newcomer = Employee(tenant=tenant)
    for hierarchy, manager in data.managers.items():
        if hierarchy.tenant_id != tenant.pk:
            problems.append(FieldProblem(f"managers.{hierarchy.pk}", "NOT_FOUND", "No such."))
        # A newcomer manages nobody yet: only "an active colleague" can be refused.
        elif manager is not None and (
            manager.tenant_id != tenant.pk or manager.status != Employee.Status.ACTIVE
        ):
            problems.append(
                FieldProblem(
                    f"managers.{hierarchy.pk}", "INVALID_VALUE", "Choose an active colleague."
                )
            )
    if problems:
        raise RequestInvalid(problems)
    department = data.department if isinstance(data.department, Department) else None
    newcomer.first_name = data.first_name.strip()
    newcomer.last_name = data.last_name.strip()
    newcomer.email = data.email.strip()
    newcomer.company_employee_id = data.company_employee_id.strip()
    newcomer.office_phone = (data.office_phone or "").strip()
    newcomer.department = department
    newcomer.is_tenant_admin = bool(data.is_tenant_admin)
    newcomer.status = data.status or Employee.Status.ACTIVE
    newcomer.save()
    for hierarchy, manager in data.managers.items():
        if manager is not None:
            hierarchies.set_reporting_lines(
                hierarchy=hierarchy, actor=actor, lines={newcomer: manager}, replace=False
            )
    audit.record_change(
        tenant=tenant, actor=actor, action=audit.CREATED, target_type=audit.EMPLOYEE,
        target_id=newcomer.pk, target_name=newcomer.full_name, before=None,
        after=_snapshot(newcomer),
    )  # fmt: skip
    logger.info("employee %s created by %s", newcomer.pk, actor.pk)
    return newcomer


def _set_managers(
    employee: Employee, managers: dict[Hierarchy, Employee | None], actor: Employee
) -> list[FieldProblem]:
    """Set the employee's manager in each hierarchy given, by set_manager's rules; the
    problems found, at `managers.<hierarchy id>` (the caller rolls back when there are any).

    Through hierarchies.set_reporting_lines, which writes a first line in a hierarchy too
    (services._write_manager's update_or_create on a filtered queryset leaves its hierarchy
    out of a new row)."""
    problems = []
    for hierarchy, manager in managers.items():
        if hierarchy.tenant_id != employee.tenant_id:
            problems.append(FieldProblem(f"managers.{hierarchy.pk}", "NOT_FOUND", "No such."))
            continue
        try:
            hierarchies.set_reporting_lines(
                hierarchy=hierarchy, actor=actor, lines={employee: manager}, replace=False
            )
        except RequestInvalid as refused:
            problems += [
                FieldProblem(f"managers.{hierarchy.pk}", p.code, p.message)
                for p in refused.problems
            ]
    return problems


@transaction.atomic
def edit_employee(*, employee: Employee, actor: Employee, data: PersonInput) -> Employee:
    """Change what is given of an employee's particulars, role, status and managers, all or
    nothing. Role, status and managers go through services.update_employee (an admin cannot
    remove their own rights or deactivate themselves; no manager loops). Raises
    NotTenantAdmin, or RequestInvalid listing every problem (as create_employee)."""
    services.require_tenant_admin(actor, employee.tenant_id)
    employee = Employee.objects.select_for_update(of=("self",)).get(pk=employee.pk)
    before = _snapshot(employee, role=False)
    problems = _person_problems(employee.tenant, data, employee)
    try:
        services.update_employee(
            employee=employee, actor=actor, managers={},
            is_tenant_admin=employee.is_tenant_admin if data.is_tenant_admin is None
            else data.is_tenant_admin,
            status=employee.status if data.status is None else data.status,
        )  # fmt: skip
    except RequestInvalid as refused:
        problems += [p for p in refused.problems if p not in problems]
    problems += _set_managers(employee, data.managers, actor)
    if problems:
        raise RequestInvalid(problems)  # rolls back what update_employee wrote
    for name in ("first_name", "last_name", "email", "company_employee_id", "office_phone"):
        value = getattr(data, name)
        if value is not None:
            setattr(employee, name, value.strip())
    if data.department is not UNSET:
        employee.department = data.department
    employee.save()
    after = _snapshot(employee, role=False)
    if after != before:
        audit.record_change(
            tenant=employee.tenant, actor=actor, action=audit.UPDATED, target_type=audit.EMPLOYEE,
            target_id=employee.pk, target_name=employee.full_name,
            before=before, after=after,
        )  # fmt: skip
    logger.info("employee %s edited by %s", employee.pk, actor.pk)
    return employee


# --- Departments -------------------------------------------------------------------------------


def _department_name_problems(tenant: Tenant, name: str, department: Department | None) -> list:
    problem = _text_problem("name", name, required=True, limit=DEPARTMENT_MAX, label="name")
    if problem:
        return [problem]
    taken = Department.objects.filter(tenant=tenant, name__iexact=name)
    if department is not None:
        taken = taken.exclude(pk=department.pk)
    if taken.exists():
        return [FieldProblem("name", "DUPLICATE", f"There is a department {name} already.")]
    return []


@transaction.atomic
def save_department(
    *, tenant: Tenant, actor: Employee, name: str, department: Department | None = None
) -> Department:
    """Create a department, or rename one. Raises NotTenantAdmin, or RequestInvalid (no name,
    a character not allowed, too long, taken by another department of the tenant)."""
    services.require_tenant_admin(actor, tenant.pk)
    name = (name or "").strip()
    problems = _department_name_problems(tenant, name, department)
    if problems:
        raise RequestInvalid(problems)
    if department is None:
        department = Department.objects.create(tenant=tenant, name=name)
        audit.record_change(
            tenant=tenant, actor=actor, action=audit.CREATED, target_type="department",
            target_id=department.pk, target_name=name, before=None, after={"name": name},
        )  # fmt: skip
    elif department.name != name:
        before = department.name
        department.name = name
        department.save(update_fields=["name"])
        audit.record_change(
            tenant=tenant, actor=actor, action=audit.UPDATED, target_type="department",
            target_id=department.pk, target_name=name, before={"name": before},
            after={"name": name},
        )  # fmt: skip
    logger.info("department %s saved by %s", department.pk, actor.pk)
    return department


def department_users(department: Department) -> dict[str, int]:
    """What refers to the department, by kind ("employees": 3, "approval workflows": 1):
    every row of any app that names it, found through the model's relations, so this app
    needs no knowledge of the apps above it."""
    found = {}
    for relation in Department._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ManyToOneRel | ManyToManyRel):
            continue
        model = relation.related_model
        if model._meta.auto_created:  # a many-to-many's own table: counted as the relation
            continue
        count = model._default_manager.filter(**{relation.field.name: department}).count()
        if count:
            found[str(model._meta.verbose_name_plural)] = count
    return found


@transaction.atomic
def delete_department(*, department: Department, actor: Employee) -> None:
    """Delete a department nobody is in and nothing names. Raises NotTenantAdmin, or Conflict
    (DEPARTMENT_IN_USE) while employees or approval workflow conditions name it: deleting it
    would silently take people out of it and widen workflows that were meant for it."""
    services.require_tenant_admin(actor, department.tenant_id)
    department = Department.objects.select_for_update().get(pk=department.pk)
    users = department_users(department)
    if users:
        listed = ", ".join(f"{count} {kind}" for kind, count in users.items())
        raise Conflict(
            f"{department.name} is in use ({listed}): move them elsewhere first.",
            code="DEPARTMENT_IN_USE",
        )
    audit.record_change(
        tenant=department.tenant, actor=actor, action=audit.DELETED, target_type="department",
        target_id=department.pk, target_name=department.name, before={"name": department.name},
        after=None,
    )  # fmt: skip
    department.delete()
    logger.info("department %s deleted by %s", department.name, actor.pk)


# --- Custom attributes -------------------------------------------------------------------------

ATTRIBUTE_VALUE_MAX = 255


def custom_attributes_of(employee: Employee) -> dict[EmployeeAttribute, str]:
    """The employee's tenant's custom attributes, by name, each with the employee's value
    ("" where none is set)."""
    values = dict(
        EmployeeAttributeValue.objects.filter(employee=employee).values_list(
            "attribute_id", "value"
        )
    )
    attributes = EmployeeAttribute.objects.filter(tenant_id=employee.tenant_id)
    return {attribute: values.get(attribute.pk, "") for attribute in attributes}


def _attribute_problem(attribute: EmployeeAttribute, value: str) -> FieldProblem | None:
    path = f"attributes.{attribute.pk}"
    if unstorable(value):
        return FieldProblem(path, "INVALID_VALUE", f"{attribute.name} holds {described(value)}.")
    if len(value) > ATTRIBUTE_VALUE_MAX:
        return FieldProblem(
            path,
            "TOO_LONG",
            f"{attribute.name} takes at most {ATTRIBUTE_VALUE_MAX} characters.",
        )
    choices = attribute.choices
    if value and choices and value not in choices:
        return FieldProblem(
            path, "INVALID_VALUE", f"{attribute.name} must be one of: {', '.join(choices)}."
        )
    return None


@transaction.atomic
def set_custom_attributes(
    *, employee: Employee, actor: Employee, values: dict[int, str]
) -> Employee:
    """Set an employee's custom attribute values (MobProc 1.1.0): attribute id -> value, blank
    clears it; attributes not given keep theirs. A value must be one of the attribute's valid
    values when the tenant lists some. An attribute of another tenant (or none) is refused.
    All or nothing; raises NotTenantAdmin, or RequestInvalid listing every problem, each at
    `attributes.<id>`. The employee's `updated` moves when anything changed."""
    services.require_tenant_admin(actor, employee.tenant_id)
    employee = Employee.objects.select_for_update(of=("self",)).get(pk=employee.pk)
    current = custom_attributes_of(employee)
    by_id = {attribute.pk: attribute for attribute in current}
    problems: list[FieldProblem] = []
    wanted: dict[EmployeeAttribute, str] = {}
    for attribute_id, raw in values.items():
        attribute = by_id.get(attribute_id)
        if attribute is None:
            problems.append(
                FieldProblem(f"attributes.{attribute_id}", "NOT_FOUND", "No such attribute.")
            )
            continue
        value = (raw or "").strip()
        if problem := _attribute_problem(attribute, value):
            problems.append(problem)
        wanted[attribute] = value
    if problems:
        raise RequestInvalid(problems)
    changed = {a: v for a, v in wanted.items() if v != current[a]}
    if not changed:
        return employee
    for attribute, value in changed.items():
        if value:
            EmployeeAttributeValue.objects.update_or_create(
                employee=employee, attribute=attribute, defaults={"value": value}
            )
        else:
            EmployeeAttributeValue.objects.filter(employee=employee, attribute=attribute).delete()
    employee.save(update_fields=["updated_at"])
    audit.record_change(
        tenant=employee.tenant_id, actor=actor, action=audit.UPDATED, target_type=audit.EMPLOYEE,
        target_id=employee.pk, target_name=employee.full_name,
        before={f"attribute {a.name}": current[a] for a in changed},
        after={f"attribute {a.name}": v for a, v in changed.items()},
    )  # fmt: skip
    logger.info("custom attributes of employee %s set by %s", employee.pk, actor.pk)
    return employee


EMPLOYEE_ATTRIBUTE = "employee attribute"  # the audit's target type (not in audit.TARGET_TYPES)
ATTRIBUTE_NAME_MAX = 100


def _definition(attribute: EmployeeAttribute) -> dict:
    return {"name": attribute.name, "valid_values": attribute.choices}


def _valid_values_problems(values: list[str]) -> list[FieldProblem]:
    problems = []
    seen: set[str] = set()
    for index, value in enumerate(values):
        path = f"valid_values.{index}"
        if "\n" in value or "\r" in value or unstorable(value):
            problems.append(FieldProblem(path, "INVALID_VALUE", "One line per value, no controls."))
        elif len(value) > ATTRIBUTE_VALUE_MAX:
            problems.append(
                FieldProblem(path, "TOO_LONG", f"Keep a value to {ATTRIBUTE_VALUE_MAX} characters.")
            )
        elif value in seen:
            problems.append(FieldProblem(path, "DUPLICATE", f"{value} is listed twice."))
        seen.add(value)
    return problems


@transaction.atomic
def save_attribute(
    *, tenant: Tenant, actor: Employee, name: str, valid_values: list[str],
    attribute: EmployeeAttribute | None = None,
) -> EmployeeAttribute:  # fmt: skip
    """Define a custom employee attribute (MobProc 1.1.0), or change one: its name and the
    values it may take ([]: any text). Values employees hold stay when a valid value is taken
    away (the person page marks them no longer valid). Raises NotTenantAdmin, or
    RequestInvalid listing every problem (`name`, `valid_values.<i>`)."""
    services.require_tenant_admin(actor, tenant.pk)
    name = (name or "").strip()
    values = [v.strip() for v in valid_values if v and v.strip()]
    problems = []
    if problem := _text_problem("name", name, required=True, limit=ATTRIBUTE_NAME_MAX,
                                label="name"):  # fmt: skip
        problems.append(problem)
    else:
        taken = EmployeeAttribute.objects.filter(tenant=tenant, name__iexact=name)
        if attribute is not None:
            taken = taken.exclude(pk=attribute.pk)
        if taken.exists():
            problems.append(FieldProblem("name", "DUPLICATE", f"There is an attribute {name}."))
    problems += _valid_values_problems(values)
    if problems:
        raise RequestInvalid(problems)
    before = None
    if attribute is None:
        attribute = EmployeeAttribute(tenant=tenant)
    else:
        attribute = EmployeeAttribute.objects.select_for_update().get(pk=attribute.pk)
        before = _definition(attribute)
    attribute.name = name
    attribute.valid_values = "\n".join(values)
    attribute.save()
    audit.record_change(
        tenant=tenant, actor=actor, action=audit.CREATED if before is None else audit.UPDATED,
        target_type=EMPLOYEE_ATTRIBUTE, target_id=attribute.pk, target_name=name,
        before=before, after=_definition(attribute),
    )  # fmt: skip
    logger.info("employee attribute %s saved by %s", attribute.pk, actor.pk)
    return attribute


@transaction.atomic
def delete_attribute(*, attribute: EmployeeAttribute, actor: Employee) -> None:
    """Delete a custom attribute and every employee's value of it (audited with how many
    held one). Raises NotTenantAdmin."""
    services.require_tenant_admin(actor, attribute.tenant_id)
    attribute = EmployeeAttribute.objects.select_for_update().get(pk=attribute.pk)
    held = EmployeeAttributeValue.objects.filter(attribute=attribute).count()
    audit.record_change(
        tenant=attribute.tenant_id, actor=actor, action=audit.DELETED,
        target_type=EMPLOYEE_ATTRIBUTE, target_id=attribute.pk, target_name=attribute.name,
        before={**_definition(attribute), "values_held": held}, after=None,
    )  # fmt: skip
    attribute.delete()
    logger.info("employee attribute %s deleted by %s", attribute.name, actor.pk)
