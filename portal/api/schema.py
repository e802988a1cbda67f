"""OpenAPI description of the API's authentication (loaded by PortalConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
                    "scopes": {"read": "Read", "write": "Write"},
                },
                "password": {"tokenUrl": "/o/token/", "scopes": {"read": "Read", "write": "Write"}},
                "clientCredentials": {
                    "tokenUrl": "/o/token/",
                    "scopes": {"read": "Read", "write": "Write"},
                },
            },
        }
