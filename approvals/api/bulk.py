"""POST /api/v1/approvals/bulk: one decision (action, reason, communicationWorkflow) for several
orders, each decided as POST /orders/{id}/approval decides it (approvals.bulk.decide_many), and
one result per requested id, in the request's order."""

from __future__ import annotations

import logging

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import bulk, services
from approvals.api.serializers import DecisionBodySerializer
from approvals.models import Decision
from portal.api.errors import envelope, error_body
from portal.api.views import api_context
from portal.exceptions import RequestInvalid
from portal.ids import is_id

# The API's error log (portal.api.errors): each refusal's occurrence id is findable there.
logger = logging.getLogger("portal.api")

NOT_FOUND = "NOT_FOUND"
ERROR = "ERROR"
# What services.decide answers (its audit's REFUSED is an ERROR here, with the refusal).
DECIDED = [o for o in services.Outcome.values if o != services.Outcome.REFUSED]


# Strings, as MobProc writes ids, or numbers, as clients built on the numeric ids send them: the
# server takes both, so the document says both.
@extend_schema_field(
    {"type": "array",
     "items": {"anyOf": [{"type": "string", "example": "12"}, {"type": "integer", "minimum": 0}]},
     "minItems": 1, "maxItems": bulk.MAX_ORDERS, "uniqueItems": True}
)  # fmt: skip
class OrderIdsField(serializers.Field):
    """Order ids as MobProc writes them (strings of digits; numbers are taken too), each once.
    Every bad id is reported at its index, beside a list that is too long, all at once."""

    default_error_messages = {
        "not_a_list": 'Expected a list of order ids but got type "{input_type}".',
        "empty": "Give at least one order id.",
        "too_many": f"Send at most {bulk.MAX_ORDERS} order ids at a time.",
        "invalid": 'An order id is a number, e.g. "12".',
        "duplicate": "This order id is already in the list.",
    }

    def to_internal_value(self, data) -> list[int]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not data:
            self.fail("empty")
        problems: dict = {}
        if len(data) > bulk.MAX_ORDERS:
            problems["non_field_errors"] = [self._error("too_many")]
        ids: list[int] = []
        for index, raw in enumerate(data):
            # A JSON true is an int to Python: not an order id.
            text = "" if isinstance(raw, bool) or not isinstance(raw, str | int) else str(raw)
            text = text.strip()
            if not is_id(text):  # ASCII digits: int() refuses a superscript that isdigit() takes
                problems[index] = [self._error("invalid")]
            elif int(text) in ids:
                problems[index] = [self._error("duplicate")]
            else:
                ids.append(int(text))
        if problems:
            raise serializers.ValidationError(problems)
        return ids

    def _error(self, code: str) -> ErrorDetail:
        return ErrorDetail(self.error_messages[code], code=code)


class BulkDecisionBodySerializer(DecisionBodySerializer):
    """The single decision's body (action, reason, communicationWorkflow) and the orders."""

    orderIds = OrderIdsField()


RESULT_SHAPE = inline_serializer(
    "BulkDecisionResult",
    {
        "orderId": serializers.CharField(),
        "status": serializers.ChoiceField(
            choices=[*DECIDED, NOT_FOUND, ERROR],
            help_text="What POST /orders/{id}/approval would have answered for this order: "
            "its status, NOT_FOUND (no such order in your tenant) or ERROR.",
        ),
        "errors": serializers.ListField(
            child=serializers.DictField(),
            required=False,
            help_text="With ERROR: the body the single decision would have answered, as a list: "
            'a 400\'s errors ({"errorCode", "field", "message"} each) or the one MobProc '
            'error ({"status": 403, "errorCode": "NOT_AN_APPROVER", "id", "message"}).',
        ),
    },
)


def result_representation(result: bulk.BulkResult) -> dict:
    """One order's result, its errors shaped as POST /orders/{id}/approval answers them
    (portal.api.errors): a refused body's problems, or the MobProc error body."""
    answer = {"orderId": str(result.order_id)}
    if result.order is None:
        return {**answer, "status": NOT_FOUND}
    refusal = result.refusal
    if refusal is None:
        return {**answer, "status": result.outcome}
    if isinstance(refusal, RequestInvalid):
        return {**answer, **envelope(refusal.problems)}
    body, occurrence = error_body(refusal.status, refusal.code, refusal.message)
    logger.info(
        "error id=%s status=%s code=%s order=%s %s",
        occurrence, refusal.status, refusal.code, result.order_id, refusal.message,
    )  # fmt: skip
    return {**answer, "status": ERROR, "errors": [body]}


class BulkApproval(APIView):
    """POST: approve or reject several orders at once, each on its own."""

    @extend_schema(
        operation_id="approvals_bulk_decide",
        request=BulkDecisionBodySerializer,
        responses={
            200: inline_serializer(
                "BulkDecisionResults", {"results": serializers.ListField(child=RESULT_SHAPE)}
            )
        },
        examples=[
            OpenApiExample(
                "Mixed results",
                response_only=True,
                value={
                    "results": [
                        {"orderId": "12", "status": "APPROVAL_QUEUED"},
                        {
                            "orderId": "13",
                            "status": "ERROR",
                            "errors": [
                                {
                                    "status": 403,
                                    "errorCode": "NOT_AN_APPROVER",
                                    "id": "4f1c…",
                                    "message": "You may not decide this step of the order.",
                                }
                            ],
                        },
                        {"orderId": "99999", "status": "NOT_FOUND"},
                    ]
                },
            )
        ],
    )
    def post(self, request):
        ctx = api_context(request)
        body = BulkDecisionBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def request_for(order) -> services.DecisionRequest:
            return services.DecisionRequest(
                order=order,
                actor=ctx.actor,
                caller=ctx.caller,
                action=data["action"],
                reason=data["reason"] or "",
                communication=data["communicationWorkflow"],
                client_id=ctx.client_id,
                channel=Decision.Channel.API,
                ip_address=request.META.get("REMOTE_ADDR"),
                correlation_id=getattr(request, "correlation_id", ""),
            )

        # Scoped to the token's tenant: another tenant's order is NOT_FOUND, like an unknown id.
        results = bulk.decide_many(
            data["orderIds"], tenant_id=ctx.tenant.pk, request_for=request_for
        )
        return Response({"results": [result_representation(r) for r in results]})
