"""MobProc collections: {"<plural>": {"_meta": {...}, "items": [...]}}, paged by limit/offset."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from portal.api.exceptions import ApiError


def _non_negative_int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise ApiError(400, "INVALID_QUERY", f"'{name}' must be a non-negative integer.")
    return value


class MetaPagination(LimitOffsetPagination):
    default_limit = 25
    max_limit = 200

    def get_limit(self, request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw in (None, ""):
            return self.default_limit
        limit = _non_negative_int(raw, self.limit_query_param)
        if limit == 0:
            raise ApiError(400, "INVALID_QUERY", "'limit' must be at least 1.")
        return min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        return 0 if raw in (None, "") else _non_negative_int(raw, self.offset_query_param)

    def _link(self, offset: int) -> str:
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        if offset <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, offset)

    def meta(self) -> dict:
        last = ((self.count - 1) // self.limit) * self.limit if self.count else 0
        meta = {"href": self.request.build_absolute_uri()}
        # Position links are left out where they would point at the current page.
        if self.offset > 0:
            meta["hrefStart"] = self._link(0)
            meta["hrefPrevious"] = self._link(max(self.offset - self.limit, 0))
        if self.offset + self.limit < self.count:
            meta["hrefNext"] = self._link(self.offset + self.limit)
        if self.offset < last:
            meta["hrefEnd"] = self._link(last)
        meta.update(limit=self.limit, offset=self.offset, totalCount=self.count)
        return meta

    def get_paginated_response(self, data) -> Response:
        name = getattr(self, "collection_name", "items")
        return Response({name: {"_meta": self.meta(), "items": data}})

    def paginate_queryset(self, queryset, request, view=None):
        self.collection_name = getattr(view, "collection_name", "items")
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "_meta": {
                    "type": "object",
                    "properties": {
                        key: {"type": "string", "format": "uri"}
                        for key in ("href", "hrefStart", "hrefPrevious", "hrefNext", "hrefEnd")
                    }
                    | {key: {"type": "integer"} for key in ("limit", "offset", "totalCount")},
                },
                "items": schema,
            },
        }
