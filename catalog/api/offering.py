"""The admin API of the catalog offering: which accessories, devices, plans and features the
tenant offers its employees, and the upgrade period. The writes are catalog.services'
(set_offered, set_upgrade_period), the ones the /manage/catalog/ page calls."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import services
from catalog.models import Accessory, Device, Feature, Plan
from portal.api.inputs import IdListField, validated
from portal.api.people import admin_of
from portal.api.serializers import absolute_url
from portal.api.views import api_context
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Tenant

# The body's key of each offerable model, in the page's order.
KEYS = {"accessoryIds": Accessory, "deviceIds": Device, "planIds": Plan, "featureIds": Feature}
PERIOD = "upgradeEligibilityMonths"  # where catalog.services puts a period's problem


def _every(model):
    return lambda context: model.objects.all()


class OfferingInputSerializer(serializers.Serializer):
    """What the tenant offers; a key left out stays as it is."""

    accessoryIds = IdListField(name="Accessory", lookup=_every(Accessory), required=False)
    deviceIds = IdListField(name="Device", lookup=_every(Device), required=False)
    planIds = IdListField(name="Plan", lookup=_every(Plan), required=False)
    featureIds = IdListField(name="Feature", lookup=_every(Feature), required=False)
    upgradeEligibilityMonths = serializers.JSONField(
        required=False, help_text="Months after a device upgrade before the next (1 to 60)."
    )


OFFERING_SCHEMA = inline_serializer(
    "CatalogOffering",
    {
        **{key: serializers.ListField(child=serializers.CharField()) for key in KEYS},
        PERIOD: serializers.IntegerField(),
    },
)


def _offering(request, tenant: Tenant) -> dict:
    offered = {
        key: sorted(str(pk) for pk in model.objects.offered_to(tenant).values_list("pk", flat=True))
        for key, model in KEYS.items()
    }
    return {
        "_meta": {"href": absolute_url(request, "catalog-offering")},
        **offered,
        PERIOD: tenant.upgrade_eligibility_months,
    }


class CatalogOffering(APIView):
    """GET: what the tenant offers. PUT: change it, all or nothing (every problem listed)."""

    @extend_schema(responses={200: OFFERING_SCHEMA}, operation_id="catalog_offering_retrieve")
    def get(self, request):
        ctx = api_context(request)
        admin_of(ctx)
        return Response({"catalogOffering": _offering(request, ctx.tenant)})

    @extend_schema(request=OfferingInputSerializer, responses={200: OFFERING_SCHEMA})
    def put(self, request):
        ctx = api_context(request)
        admin = admin_of(ctx)
        body = validated(OfferingInputSerializer, request.data)
        tenant = Tenant.objects.get(pk=ctx.tenant.pk)  # a fresh copy the services may change
        problems: list[FieldProblem] = []
        with transaction.atomic():
            if PERIOD in body:
                problems += _refused(services.set_upgrade_period, tenant, body[PERIOD], admin)
            for key, model in KEYS.items():
                if key in body:
                    ids = [row.pk for row in body[key]]
                    problems += [
                        FieldProblem(key, p.code, p.message)
                        for p in _refused(
                            services.set_offered, tenant=tenant, model=model, ids=ids, actor=admin
                        )
                    ]
            if problems:
                raise RequestInvalid(problems)  # rolls back what was saved
        return Response({"status": "SUCCESS", "catalogOffering": _offering(request, tenant)})


def _refused(service, *args, **kwargs) -> list[FieldProblem]:
    """The problems a service refused with (none: it saved, in a savepoint of its own)."""
    try:
        with transaction.atomic():
            service(*args, **kwargs)
    except RequestInvalid as refused:
        return refused.problems
    return []
