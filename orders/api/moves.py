"""`POST /assets/services/{id}/move` (MobProc 1.1.0, tutorials/move): give a line, and the
charges asked, to another employee; answers the line's record, updated (its `employee` is its
holder now). orders.moves decides; this view parses and answers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.api.serializers import ServiceSerializer
from orders import moves
from portal import selectors as people
from portal.api.exceptions import ApiError
from portal.api.serializers import EmployeeSerializer
from portal.api.views import api_context
from portal.ids import is_id

OWNER_FIELDS = ("newOwnerEmployeeId", "newOwnerCompanyEmployeeId")


class MoveRequestSerializer(serializers.Serializer):
    """Who gets the line (the employee id wins over the company employee id, as the context
    headers have it), and which charges go with it."""

    newOwnerEmployeeId = serializers.CharField(required=False, max_length=20)
    newOwnerCompanyEmployeeId = serializers.CharField(required=False, max_length=150)
    moveCharges = serializers.ChoiceField(choices=list(moves.MOVE_CHARGES))

    def validate_newOwnerEmployeeId(self, value: str) -> str:
        if not is_id(value):
            raise serializers.ValidationError("Must be an employee id.", code="invalid")
        return value

    def to_internal_value(self, data):
        # The missing new owner is said beside the other problems, not after them.
        unnamed = isinstance(data, dict) and not any(data.get(name) for name in OWNER_FIELDS)
        missing = {
            "newOwnerEmployeeId": [
                serializers.ErrorDetail(
                    "Give newOwnerEmployeeId or newOwnerCompanyEmployeeId.", code="required"
                )
            ]
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unnamed and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **missing}) from exc
            raise
        if unnamed:
            raise serializers.ValidationError(missing)
        return value


class MovedServiceSerializer(ServiceSerializer):
    """The line's record as GET /assets/services/{id} has it, unwrapped as the tutorial shows
    it, with `employee`: the holder now."""

    employee = EmployeeSerializer(source="account_holder")

    class Meta(ServiceSerializer.Meta):
        fields = [*ServiceSerializer.Meta.fields, "employee"]


class ServiceMove(APIView):
    @extend_schema(request=MoveRequestSerializer, responses={200: MovedServiceSerializer})
    def post(self, request, pk: int):
        ctx = api_context(request)
        lines = catalog_selectors.service_assets_for(ctx.actor)
        service = lines.filter(pk=pk).first()
        if service is None:
            raise ApiError(404, "SERVICE_NOT_FOUND", f"Service {pk} does not exist.")
        given = MoveRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        if data.get("newOwnerEmployeeId"):
            field = "newOwnerEmployeeId"
            owner = people.employee_in_tenant(ctx.tenant, pk=int(data[field]))
        else:
            field = "newOwnerCompanyEmployeeId"
            owner = people.employee_in_tenant(ctx.tenant, company_employee_id=data[field])
        moved = moves.move_line(
            service=service,
            new_owner=owner,
            move_charges=data["moveCharges"],
            actor=ctx.actor,
            owner_field=field,
        )
        # Read as the tenant has it: a manager may have given it to someone outside her reports.
        return Response(MovedServiceSerializer(moved, context={"request": request}).data)
