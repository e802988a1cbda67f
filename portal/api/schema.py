"""The OpenAPI document, told as the server behaves: its authentication and list filters (the
extensions below, loaded by PortalConfig.ready), the headers every call sends, the error bodies
every call may answer, and single resources wrapped in their singular name
(`ResourceDetailSchema`).

drf-spectacular describes each view from its serializers; what holds for every call (headers,
errors) is added once, by `describe_calls` (SPECTACULAR_SETTINGS "POSTPROCESSING_HOOKS").
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer

SCOPES = {"read": "Read", "write": "Write", "MOBPROC": "Read and write (MobProc's name)"}


class TenantOAuth2Scheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.context.TenantOAuth2Authentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Bearer token; every call also sends X-TNGO-TENANT and client_id.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/o/authorize/",
                    "tokenUrl": "/o/token/",
                    "scopes": SCOPES,
                },
                "password": {"tokenUrl": "/o/token/", "scopes": SCOPES},
                "clientCredentials": {"tokenUrl": "/o/token/", "scopes": SCOPES},
            },
        }


class BlankFilterExtension(DjangoFilterExtension):
    """The list filters (django-filter, read by portal.api.filters.QueryFilterBackend): a filter
    sent blank (`?employee=`, `?dateTimeUpdated=`) counts as absent, as django-filter reads it
    and as a blank header does (SPEC "API"), so the document allows the empty value
    (`allowEmptyValue`). Not a multiple choice (`?status=` on orders): its blank is no valid
    choice, and is refused, like `limit=`."""

    target_class = "portal.api.filters.QueryFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            if not isinstance(filter_field, filters.MultipleChoiceFilter):
                parameter["allowEmptyValue"] = True
            # A filter whose schema is fixed (IdFilter's pattern) keeps its help text too.
            if not parameter.get("description") and filter_field.extra.get("help_text"):
                parameter["description"] = str(filter_field.extra["help_text"])
        return parameters


class ResourceDetailSchema(AutoSchema):
    """A single resource as `portal.api.views.ResourceDetail` answers it: `{"<name>": {...}}`."""

    def get_response_serializers(self):
        inner = super().get_response_serializers()
        if self.method != "GET" or inner is None:
            return inner
        name = self.view.resource_name
        instance = inner() if isinstance(inner, type) else inner
        component = type(instance).__name__.removesuffix("Serializer")
        return inline_serializer(name=f"{component}Wrapped", fields={name: instance})


# --- What every call sends and may answer ---------------------------------------------------

# concepts/headers: the two required on every call, and the context headers (concepts/actor).
# A blank header counts as absent (SPEC "API"): a blank required one is refused, a blank context
# header is ignored, so the context headers' patterns take the empty value too.
HEADERS = [
    {
        "name": "X-TNGO-TENANT",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "The tenant (customer) the call is for: its short name.",
    },
    {
        "name": "client_id",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "The client application calling: the token's application.",
    },
    {
        "name": "X-TNGO-CONTEXT-EMPLOYEEID",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": "^[0-9]*$"},
        "description": "Act as this employee (Procure's id); wins over the company id.",
    },
    {
        "name": "X-TNGO-CONTEXT-COMPANYEMPLOYEEID",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "Act as the employee with this company employee id.",
    },
    {
        "name": "X-TNGO-CONTEXT-HIERARCHYID",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": "^[0-9]*$"},
        "description": "The organisational hierarchy to use for the call.",
    },
]

ERROR_SCHEMAS = {
    "MobProcError": {
        "type": "object",
        "description": "Every refusal but a request body's validation (SPEC: Errors).",
        "properties": {
            "status": {"type": "integer"},
            "errorCode": {"type": "string"},
            "id": {"type": "string", "description": "Also written to the server's log."},
            "message": {"type": "string"},
        },
        "required": ["status", "errorCode", "id", "message"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "A request body that fails validation: every problem, each at its field.",
        "properties": {
            "status": {"type": "string", "enum": ["ERROR"]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "errorCode": {"type": "string"},
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                    },
                    "required": ["errorCode", "field", "message"],
                },
            },
        },
        "required": ["status", "errors"],
    },
}


def _error(description: str, *schemas: str) -> dict:
    refs = [{"$ref": f"#/components/schemas/{name}"} for name in schemas]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SECURED_ERRORS = {
    "400": _error(
        "A missing header or a bad query parameter (MobProc error), or a request body that fails "
        "validation (every problem listed).",
        "ValidationErrors",
        "MobProcError",
    ),
    "401": _error("No bearer token, or one that is not valid.", "MobProcError"),
    "403": _error(
        "The token's application, client_id or scope does not allow the call, or the caller may "
        "not do this.",
        "MobProcError",
    ),
    "404": _error(
        "No such resource for this caller (another tenant's is not found either), or a context "
        "header naming nobody.",
        "MobProcError",
    ),
    "429": _error("Too many requests: try again after Retry-After seconds.", "MobProcError"),
}
# An open call (ping) checks no credentials, but its query is read like any other: text the
# database cannot take (a NUL) is refused with the validation envelope.
OPEN_ERRORS = {
    "400": _error(
        "A query parameter that fails validation (every problem listed).", "ValidationErrors"
    ),
    "429": SECURED_ERRORS["429"],
}


def describe_calls(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: every authenticated operation declares the headers a call sends and
    the error bodies it may answer (those it documents itself stay as they are)."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            secured = any(requirement for requirement in operation.get("security", [{}]))
            if secured:
                named = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
                operation["parameters"] = [
                    header for header in HEADERS if ("header", header["name"]) not in named
                ] + operation.get("parameters", [])
            responses = operation.setdefault("responses", {})
            for code, response in (SECURED_ERRORS if secured else OPEN_ERRORS).items():
                responses.setdefault(code, response)
    return result
