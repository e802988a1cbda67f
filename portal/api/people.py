"""The admin API about people: employees (create, edit), their delegations, departments and
approver groups. Each view parses, calls the service the /manage/ pages call, and answers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import people, selectors, services
from portal.api.context import ApiContext
from portal.api.inputs import IdField, IdListField, at_paths, of_tenant, validated
from portal.api.serializers import EmployeeDetailSerializer, HrefSerializer, StringIdField
from portal.api.views import (
    EmployeeDetail,
    EmployeeList,
    ScopedQuerysetMixin,
    api_context,
)
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import (
    Delegation,
    Department,
    Employee,
    EmployeeAttribute,
    EmployeeGroup,
    Hierarchy,
)


def admin_of(ctx: ApiContext) -> Employee:
    """The tenant admin making the call (acting for someone else does not make one); raises
    NotTenantAdmin (403) for anyone else."""
    admin = ctx.caller or ctx.actor
    services.require_tenant_admin(admin, ctx.tenant.pk)
    return admin


# --- Employees ---------------------------------------------------------------------------------


class ManagerInputSerializer(serializers.Serializer):
    hierarchyId = IdField(name="Hierarchy", lookup=of_tenant(Hierarchy))
    managerId = IdField(name="Employee", lookup=of_tenant(Employee), allow_null=True)


class CustomAttributeInputSerializer(serializers.Serializer):
    name = serializers.CharField(trim_whitespace=False)
    value = serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False)


class EmployeeInputSerializer(serializers.Serializer):
    """An employee as an admin writes them; what is left out of a PATCH stays as it is. The
    rules (required particulars, unique e-mail and company employee id, who may manage whom)
    are portal.people's, answered at these names."""

    firstName = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    lastName = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    email = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    companyEmployeeId = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    officePhone = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    departmentId = IdField(
        name="Department", lookup=of_tenant(Department), required=False, allow_null=True
    )
    managerId = IdField(
        name="Employee",
        lookup=of_tenant(Employee),
        required=False,
        allow_null=True,
        help_text="The manager in the default hierarchy (null: nobody).",
    )
    managers = ManagerInputSerializer(many=True, required=False)
    isTenantAdmin = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Employee.Status.choices, required=False)
    customAttributes = CustomAttributeInputSerializer(
        many=True,
        required=False,
        help_text="PATCH only: name/value pairs as /employees/{id} shows them; an empty or "
        "null value clears one, attributes left out keep theirs.",
    )


# The service's names of what it refuses -> the body's.
EMPLOYEE_PATHS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "company_employee_id": "companyEmployeeId",
    "office_phone": "officePhone",
    "department": "departmentId",
    "is_tenant_admin": "isTenantAdmin",
    "status": "status",
}


def _person_input(ctx: ApiContext, body: dict) -> tuple[people.PersonInput, dict[str, str]]:
    """The service's input from a checked body, and where each manager's problem goes."""
    data = people.PersonInput(
        first_name=body.get("firstName"),
        last_name=body.get("lastName"),
        email=body.get("email"),
        company_employee_id=body.get("companyEmployeeId"),
        office_phone=body.get("officePhone"),
        is_tenant_admin=body.get("isTenantAdmin"),
        status=body.get("status"),
    )
    if "departmentId" in body:
        data.department = body["departmentId"]
    paths = dict(EMPLOYEE_PATHS)
    for index, line in enumerate(body.get("managers", [])):
        data.managers[line["hierarchyId"]] = line["managerId"]
        paths[f"managers.{line['hierarchyId'].pk}"] = f"managers[{index}].managerId"
    if "managerId" in body:
        default = selectors.default_hierarchy(ctx.tenant)
        if default is None:
            raise RequestInvalid(
                [FieldProblem("managerId", "NOT_FOUND", "Your tenant has no hierarchy yet.")]
            )
        data.managers[default] = body["managerId"]
        paths[f"managers.{default.pk}"] = "managerId"
    return data, paths


def _employee_answer(request, employee: Employee, **kwargs) -> Response:
    employee = selectors.employees_of(employee.tenant).get(pk=employee.pk)
    shown = EmployeeDetailSerializer(employee, context={"request": request}).data
    return Response({"status": "SUCCESS", "employee": shown}, **kwargs)


class EmployeeCollection(EmployeeList):
    """GET: the tenant's employees (anyone). POST: a new employee (tenant admins)."""

    @extend_schema(request=EmployeeInputSerializer, responses={201: EmployeeDetailSerializer})
    def post(self, request):
        ctx = api_context(request)
        admin = admin_of(ctx)
        body = validated(EmployeeInputSerializer, request.data, tenant=ctx.tenant)
        data, paths = _person_input(ctx, body)
        try:
            employee = people.create_employee(tenant=ctx.tenant, actor=admin, data=data)
        except RequestInvalid as refused:
            raise at_paths(refused.problems, paths) from None
        return _employee_answer(request, employee, status=status.HTTP_201_CREATED)


class EmployeeItem(EmployeeDetail):
    """GET: one employee (anyone). PATCH: change what is given (tenant admins); deactivate
    with `"status": "INACTIVE"`."""

    @extend_schema(request=EmployeeInputSerializer, responses={200: EmployeeDetailSerializer})
    def patch(self, request, pk: int):
        ctx = api_context(request)
        admin = admin_of(ctx)
        employee = get_object_or_404(selectors.employees_of(ctx.tenant), pk=pk)
        body = validated(EmployeeInputSerializer, request.data, tenant=ctx.tenant)
        data, paths = _person_input(ctx, body)
        problems: list[FieldProblem] = []
        # One transaction: the particulars and the attributes are stored together or not at
        # all, and every problem of both is answered.
        with transaction.atomic():
            try:
                people.edit_employee(employee=employee, actor=admin, data=data)
            except RequestInvalid as refused:
                problems += at_paths(refused.problems, paths).problems
            if "customAttributes" in body:
                problems += _set_attributes(ctx, employee, admin, body["customAttributes"])
            if problems:
                raise RequestInvalid(problems)
        return _employee_answer(request, employee)


def _set_attributes(ctx: ApiContext, employee: Employee, admin: Employee, pairs) -> list:
    """Set the named attributes through people.set_custom_attributes (the person page's);
    the problems found, at `customAttributes[i].name` / `.value`."""
    by_name = {a.name: a for a in EmployeeAttribute.objects.filter(tenant=ctx.tenant)}
    problems, values, paths = [], {}, {}
    for index, pair in enumerate(pairs):
        attribute = by_name.get(pair["name"].strip())
        if attribute is None:
            problems.append(
                FieldProblem(f"customAttributes[{index}].name", "NOT_FOUND", "No such attribute.")
            )
        elif attribute.pk in values:
            problems.append(
                FieldProblem(f"customAttributes[{index}].name", "DUPLICATE", "Given twice.")
            )
        else:
            values[attribute.pk] = pair["value"] or ""
            paths[f"attributes.{attribute.pk}"] = f"customAttributes[{index}].value"
    try:
        people.set_custom_attributes(employee=employee, actor=admin, values=values)
    except RequestInvalid as refused:
        problems += at_paths(refused.problems, paths).problems
    return problems


# --- Delegations -------------------------------------------------------------------------------


@extend_schema_field({"type": "object", "properties": {"id": {"type": "string"},
                                                       "name": {"type": "string"}}})  # fmt: skip
class PersonField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, employee: Employee) -> dict:
        return {"id": str(employee.pk), "name": employee.full_name}


class DelegationSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "employee-delegation-detail"

    id = StringIdField()
    employee = PersonField()
    delegate = PersonField()
    startsOn = serializers.DateField(source="starts_on")
    endsOn = serializers.DateField(source="ends_on")
    inForce = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = ["id", "employee", "delegate", "startsOn", "endsOn", "inForce"]

    def href_kwargs(self, obj) -> dict:
        return {"employee_pk": obj.employee_id, "pk": obj.pk}

    def get_inForce(self, obj: Delegation) -> bool:
        return obj.starts_on <= timezone.localdate() <= obj.ends_on


class DelegationInputSerializer(serializers.Serializer):
    delegateId = IdField(name="Employee", lookup=of_tenant(Employee))
    startsOn = serializers.DateField()
    endsOn = serializers.DateField()


DELEGATION_PATHS = {"delegate": "delegateId", "starts_on": "startsOn", "ends_on": "endsOn"}


def _delegator(ctx: ApiContext, employee_pk: int) -> Employee:
    """The employee whose delegations these are: a tenant admin may see anyone's, everyone
    their own (the rule of services.add_delegation); others' are 403."""
    employee = get_object_or_404(selectors.employees_of(ctx.tenant), pk=employee_pk)
    if employee.pk != ctx.actor.pk:
        admin_of(ctx)
    return employee


class DelegationList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: an employee's delegations, latest first. POST: name a delegate between two dates."""

    serializer_class = DelegationSerializer
    collection_name = "delegations"

    def scoped_queryset(self, ctx):
        employee = _delegator(ctx, self.kwargs["employee_pk"])
        return (
            Delegation.objects.filter(employee=employee)
            .select_related("employee", "delegate")
            .order_by("-starts_on", "-pk")
        )

    @extend_schema(request=DelegationInputSerializer, responses={201: DelegationSerializer})
    def post(self, request, employee_pk: int):
        ctx = api_context(request)
        employee = _delegator(ctx, employee_pk)
        body = validated(DelegationInputSerializer, request.data, tenant=ctx.tenant)
        try:
            delegation = services.add_delegation(
                employee=employee, delegate=body["delegateId"], actor=ctx.caller or ctx.actor,
                starts_on=body["startsOn"], ends_on=body["endsOn"],
            )  # fmt: skip
        except RequestInvalid as refused:
            raise at_paths(refused.problems, DELEGATION_PATHS) from None
        shown = DelegationSerializer(delegation, context={"request": request}).data
        return Response({"status": "SUCCESS", "delegation": shown}, status=201)


class DelegationDetail(APIView):
    """GET: one delegation. DELETE: end it (it stops at once)."""

    def _delegation(self, request, employee_pk: int, pk: int) -> Delegation:
        employee = _delegator(api_context(request), employee_pk)
        delegations = Delegation.objects.select_related("employee", "delegate")
        return get_object_or_404(delegations, employee=employee, pk=pk)

    @extend_schema(responses={200: DelegationSerializer})
    def get(self, request, employee_pk: int, pk: int):
        delegation = self._delegation(request, employee_pk, pk)
        shown = DelegationSerializer(delegation, context={"request": request}).data
        return Response({"delegation": shown})

    @extend_schema(responses={204: None})
    def delete(self, request, employee_pk: int, pk: int):
        ctx = api_context(request)
        delegation = self._delegation(request, employee_pk, pk)
        services.end_delegation(delegation=delegation, actor=ctx.caller or ctx.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Departments -------------------------------------------------------------------------------


class DepartmentItemSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "department-detail"

    id = StringIdField()
    employeeCount = serializers.IntegerField(source="employee_count", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "employeeCount"]


class DepartmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)


def _departments(ctx: ApiContext):
    admin_of(ctx)
    return (
        Department.objects.filter(tenant=ctx.tenant)
        .annotate(employee_count=Count("employees"))
        .order_by("name", "pk")
    )


def _department_answer(request, ctx, department: Department, **kwargs) -> Response:
    shown = DepartmentItemSerializer(
        _departments(ctx).get(pk=department.pk), context={"request": request}
    ).data
    return Response({"status": "SUCCESS", "department": shown}, **kwargs)


class DepartmentList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the tenant's departments. POST: a new one (`{"name"}`)."""

    serializer_class = DepartmentItemSerializer
    collection_name = "departments"

    def scoped_queryset(self, ctx):
        return _departments(ctx)

    @extend_schema(request=DepartmentInputSerializer, responses={201: DepartmentItemSerializer})
    def post(self, request):
        ctx = api_context(request)
        admin = admin_of(ctx)
        body = validated(DepartmentInputSerializer, request.data)
        department = people.save_department(tenant=ctx.tenant, actor=admin, name=body["name"])
        return _department_answer(request, ctx, department, status=201)


class DepartmentDetail(APIView):
    """GET: one department. PATCH: rename it. DELETE: refused (409 DEPARTMENT_IN_USE) while
    employees or approval workflows name it."""

    @extend_schema(responses={200: DepartmentItemSerializer})
    def get(self, request, pk: int):
        ctx = api_context(request)
        department = get_object_or_404(_departments(ctx), pk=pk)
        shown = DepartmentItemSerializer(department, context={"request": request}).data
        return Response({"department": shown})

    @extend_schema(request=DepartmentInputSerializer, responses={200: DepartmentItemSerializer})
    def patch(self, request, pk: int):
        ctx = api_context(request)
        department = get_object_or_404(_departments(ctx), pk=pk)
        body = validated(DepartmentInputSerializer, request.data)
        people.save_department(
            tenant=ctx.tenant, actor=admin_of(ctx), name=body["name"], department=department
        )
        return _department_answer(request, ctx, department)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        department = get_object_or_404(_departments(ctx), pk=pk)
        people.delete_department(department=department, actor=admin_of(ctx))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Approver groups ---------------------------------------------------------------------------


class ApproverGroupSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "approver-group-detail"

    id = StringIdField()
    memberIds = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = EmployeeGroup
        fields = ["id", "name", "memberIds", "members"]

    def get_memberIds(self, group) -> list[str]:
        return [str(m.pk) for m in group.members.all()]

    @extend_schema_field(
        {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}}}
    )  # fmt: skip
    def get_members(self, group) -> list[dict]:
        return [{"id": str(m.pk), "name": m.full_name} for m in group.members.all()]


class ApproverGroupInputSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    memberIds = IdListField(name="Employee", lookup=of_tenant(Employee), default=list)


GROUP_PATHS = {"members": "memberIds"}


def _groups(ctx: ApiContext):
    admin_of(ctx)
    members = Employee.objects.order_by("last_name", "first_name", "pk")
    return (
        EmployeeGroup.objects.filter(tenant=ctx.tenant)
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name", "pk")
    )


def _group_answer(request, ctx, group: EmployeeGroup, **kwargs) -> Response:
    shown = ApproverGroupSerializer(_groups(ctx).get(pk=group.pk), context={"request": request})
    return Response({"status": "SUCCESS", "approverGroup": shown.data}, **kwargs)


def _save_group(request, ctx, group: EmployeeGroup | None) -> EmployeeGroup:
    body = validated(ApproverGroupInputSerializer, request.data, tenant=ctx.tenant)
    try:
        return services.save_group(
            tenant=ctx.tenant, actor=admin_of(ctx), name=body["name"],
            members=body["memberIds"], group=group,
        )  # fmt: skip
    except RequestInvalid as refused:
        raise at_paths(refused.problems, GROUP_PATHS) from None


class ApproverGroupList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the tenant's approver groups with their members. POST: a new group."""

    serializer_class = ApproverGroupSerializer
    collection_name = "approverGroups"

    def scoped_queryset(self, ctx):
        return _groups(ctx)

    @extend_schema(request=ApproverGroupInputSerializer, responses={201: ApproverGroupSerializer})
    def post(self, request):
        ctx = api_context(request)
        admin_of(ctx)
        return _group_answer(request, ctx, _save_group(request, ctx, None), status=201)


class ApproverGroupDetail(APIView):
    """GET: one group. PUT: its name and members (all of them). DELETE: refused (409
    GROUP_IN_USE) while a workflow step names it."""

    @extend_schema(responses={200: ApproverGroupSerializer})
    def get(self, request, pk: int):
        group = get_object_or_404(_groups(api_context(request)), pk=pk)
        shown = ApproverGroupSerializer(group, context={"request": request}).data
        return Response({"approverGroup": shown})

    @extend_schema(request=ApproverGroupInputSerializer, responses={200: ApproverGroupSerializer})
    def put(self, request, pk: int):
        ctx = api_context(request)
        group = get_object_or_404(_groups(ctx), pk=pk)
        return _group_answer(request, ctx, _save_group(request, ctx, group))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        group = get_object_or_404(_groups(ctx), pk=pk)
        services.delete_group(group=group, actor=admin_of(ctx))
        return Response(status=status.HTTP_204_NO_CONTENT)
