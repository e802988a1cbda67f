"""What `OPTIONS` answers on the API."""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata


class DescriptionMetadata(SimpleMetadata):
    """A resource's name, description and media types, without DRF's listing of each writable
    field: the OpenAPI document (`/api/v1/schema`) describes the fields, and the listing cannot
    read the serializers that describe MobProc's shapes by hand (it answered 500 on some)."""

    def determine_actions(self, request, view) -> dict:
        return {}
