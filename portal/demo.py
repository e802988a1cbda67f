"""Demo tenants and people (`manage.py load_demo`). Idempotent: rows are keyed by their ids."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from portal.models import (
    Department,
    Employee,
    EmployeeAttribute,
    Hierarchy,
    OAuthApplication,
    ReportingLine,
    Tenant,
)

DEMO_PASSWORD = "procure-demo"
# Published demo credentials: the README lists them.
DEMO_CLIENT_SECRET = "demo-secret"
REDIRECT_URIS = "http://127.0.0.1:8000/o/callback https://client.example.com/callback"


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    first: str
    last: str
    department: str
    phone: str = ""
    admin: bool = False
    manager: str | None = None  # username


PEOPLE = {
    "acme": [
        Person(28673732, "peter", "Peter", "Edwards", "Development", "2035559999", manager="maria"),
        Person(28673733, "maria", "Maria", "Lopez", "Development", "2035559001", manager="victor"),
        Person(28673734, "victor", "Victor", "Hughes", "Management", "2035559002"),
        Person(28673735, "ian", "Ian", "Tran", "IT", "2035559003", manager="victor"),
        Person(28673736, "ada", "Ada", "Park", "IT", "2035559004", admin=True, manager="victor"),
        Person(28673737, "sam", "Sam", "Okafor", "Development", "2035559005", manager="maria"),
    ],
    "globex": [
        Person(38673732, "gina", "Gina", "Rossi", "Operations", "3125550100", manager="hank"),
        Person(38673733, "hank", "Hank", "Scorpio", "Operations", "3125550101"),
        Person(38673734, "greta", "Greta", "Lind", "IT", "3125550102", admin=True, manager="hank"),
    ],
}
TENANTS = {"acme": "Acme Corporation", "globex": "Globex Corporation"}
DEPARTMENT_IDS = {("acme", "Development"): 11569020385}
CLIENTS = {"acme": "demo-client", "globex": "globex-client"}


def company_employee_id(person: Person, tenant: str) -> str:
    return f"{person.first.lower()}.{person.last.lower()}.{tenant}"


def load() -> dict[str, Tenant]:
    tenants = {}
    for slug, name in TENANTS.items():
        tenant, _ = Tenant.objects.update_or_create(slug=slug, defaults={"name": name})
        tenants[slug] = tenant
        _load_people(tenant)
        _load_client(tenant)
    return tenants


def _load_people(tenant: Tenant) -> None:
    users = get_user_model().objects
    employees = {}
    for person in PEOPLE[tenant.slug]:
        department_id = DEPARTMENT_IDS.get((tenant.slug, person.department))
        if department_id:  # seed 002's own id
            department, _ = Department.objects.update_or_create(
                pk=department_id, defaults={"tenant": tenant, "name": person.department}
            )
        else:
            department, _ = Department.objects.get_or_create(tenant=tenant, name=person.department)
        domain = f"{tenant.slug}.com"
        email = f"{person.first.lower()}.{person.last.lower()}@{domain}"
        user, _ = users.get_or_create(username=person.username)
        user.first_name, user.last_name, user.email = person.first, person.last, email
        user.is_staff = user.is_superuser = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        employees[person.username], _ = Employee.objects.update_or_create(
            pk=person.id,
            defaults={
                "tenant": tenant,
                "company_employee_id": company_employee_id(person, tenant.slug),
                "first_name": person.first,
                "last_name": person.last,
                "email": email,
                "office_phone": person.phone,
                "department": department,
                "status": Employee.Status.ACTIVE,
                "user": user,
                "is_tenant_admin": person.admin,
            },
        )
    hierarchy, _ = Hierarchy.objects.update_or_create(
        tenant=tenant, is_default=True, defaults={"name": "Reporting line"}
    )
    for person in PEOPLE[tenant.slug]:
        if person.manager:
            ReportingLine.objects.update_or_create(
                hierarchy=hierarchy,
                employee=employees[person.username],
                defaults={"manager": employees[person.manager]},
            )
    # A custom employee attribute (MobProc 1.1.0), its values set on the admin's employee page.
    EmployeeAttribute.objects.update_or_create(
        tenant=tenant,
        name="Office location",
        defaults={"valid_values": "Headquarters\nRemote\nField office"},
    )


def _load_client(tenant: Tenant) -> None:
    client_id = CLIENTS[tenant.slug]
    app = OAuthApplication.objects.filter(client_id=client_id).first() or OAuthApplication(
        client_id=client_id
    )
    app.name = f"{tenant.name} demo client"
    app.tenant = tenant
    app.client_type = OAuthApplication.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = OAuthApplication.GRANT_AUTHORIZATION_CODE
    app.allow_authorization_code = app.allow_client_credentials = True
    # The MobProc seeds sign in with these two grants: enabled for the demo clients on purpose.
    app.allow_password = app.allow_implicit = True
    app.redirect_uris = REDIRECT_URIS
    app.client_secret = DEMO_CLIENT_SECRET  # hashed on save
    app.skip_authorization = False
    app.save()
