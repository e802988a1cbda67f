"""`GET /acknowledgements?vendor=<id>&transactionType=<type>` (MobProc 1.3.6,
tutorials/acknowledgements): what the vendor asks the employee to read and accept before an
order of that type is placed with it. Both parameters are required."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import acknowledgements
from catalog.models import Acknowledgement, TransactionType, Vendor
from portal.api.exceptions import ApiError
from portal.api.views import api_context
from portal.ids import is_id


class ParagraphSerializer(serializers.Serializer):
    text = serializers.CharField()


class InfoBlockSerializer(serializers.Serializer):
    header = serializers.CharField()
    paragraphs = serializers.SerializerMethodField()

    def get_paragraphs(self, block) -> list[dict]:
        return [{"text": text} for text in block.paragraphs]


class AcknowledgementSerializer(serializers.Serializer):
    id = serializers.CharField(source="ack_id")
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=Acknowledgement.Type.choices)
    validation = serializers.ChoiceField(choices=Acknowledgement.Validation.choices)


RESPONSE = inline_serializer(
    "Acknowledgements",
    {
        "infoblocks": inline_serializer(
            "InfoBlock",
            {"header": serializers.CharField(), "paragraphs": ParagraphSerializer(many=True)},
            many=True,
        ),
        "acknowledgements": AcknowledgementSerializer(many=True),
    },
)


class AcknowledgementList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "vendor",
                {"type": "string", "pattern": "^[0-9]{1,18}$"},
                required=True,
                description="The id of the vendor fulfilling the order",
            ),
            OpenApiParameter(
                "transactionType",
                enum=TransactionType.values,
                required=True,
                description="The order's transaction type, e.g. XFER_SERVICE_IN",
            ),
        ],
        responses={200: RESPONSE},
    )
    def get(self, request):
        ctx = api_context(request)
        vendor = self._vendor(request.query_params.get("vendor", "").strip())
        kind = request.query_params.get("transactionType", "").strip()
        if kind not in TransactionType.values:
            raise ApiError(
                400,
                "INVALID_QUERY",
                "'transactionType' must be one of " + ", ".join(TransactionType.values) + ".",
            )
        shown = acknowledgements.disclosures_for(ctx.tenant, vendor, kind)
        return Response(
            {
                "infoblocks": InfoBlockSerializer(shown.info_blocks, many=True).data,
                "acknowledgements": AcknowledgementSerializer(
                    shown.acknowledgements, many=True
                ).data,
            }
        )

    @staticmethod
    def _vendor(raw: str) -> Vendor:
        if not is_id(raw):
            raise ApiError(400, "INVALID_QUERY", "'vendor' must be a vendor id.")
        vendor = Vendor.objects.filter(pk=int(raw)).first()
        if vendor is None:
            raise ApiError(400, "INVALID_QUERY", f"Vendor {raw} does not exist.")
        return vendor
