"""GET /diagnostics (MobProc 1.1.0, Premium Mobile): which roles the caller and the actor hold.

The release names three booleans but no shape; this follows the seeds' convention for named
values (a wrapped object holding a list of {id, value}, like shipTo.address). It lives in
catalog, beside /me, because the move permission is catalog's (apps depend one way)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import rules
from portal import selectors
from portal.api.views import api_context

DIAGNOSTIC_IDS = [
    "IS_AUTHENTICATED_USER_APPROVER",
    "IS_ACTOR_APPROVER",
    "EXECUTE_MOVE_SERVICE_PERMISSION",
]


class DiagnosticView(APIView):
    """The caller's and the actor's roles: approver as /me `isApprover` counts one
    (portal.selectors.is_approver: a tenant admin, a manager, an approver group member, a
    delegate today), the move permission as /me `canMoveService` (the actor's)."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Diagnostics",
                {
                    "diagnostics": inline_serializer(
                        "DiagnosticItem",
                        {
                            "id": serializers.ChoiceField(choices=DIAGNOSTIC_IDS),
                            "value": serializers.BooleanField(),
                        },
                        many=True,
                    )
                },
            )
        }
    )
    def get(self, request):
        ctx = api_context(request)
        # A client-credentials token has no signed-in user: nobody to be an approver.
        caller = ctx.caller is not None and selectors.is_approver(ctx.caller)
        actor = caller if not ctx.acting_for_other else selectors.is_approver(ctx.actor)
        values = [caller, actor, rules.may_move_service(ctx.actor)]
        items = [{"id": i, "value": v} for i, v in zip(DIAGNOSTIC_IDS, values, strict=True)]
        return Response({"diagnostics": items})


urlpatterns = [path("diagnostics", DiagnosticView.as_view(), name="diagnostics")]
