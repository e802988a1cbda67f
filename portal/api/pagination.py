"""MobProc collections: {"<plural>": {"_meta": {...}, "items": [...]}}, paged by limit/offset."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from portal.api.exceptions import ApiError
from portal.pagination import page_ids


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
        if raw is None:
            return self.default_limit
        limit = _non_negative_int(raw, self.limit_query_param)
        if limit == 0:
            raise ApiError(400, "INVALID_QUERY", "'limit' must be at least 1.")
        return min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        return 0 if raw is None else _non_negative_int(raw, self.offset_query_param)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        """As get_limit and get_offset read them: a limit of 1 or more (more than max_limit is
        read as max_limit), an offset of 0 or more; an empty value is refused like any other
        that is not a number."""
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"] = {"type": "integer", "minimum": 1, "default": self.default_limit}
        limit["description"] = f"Items per page, at most {self.max_limit} (more reads as that)."
        offset["schema"] = {"type": "integer", "minimum": 0, "default": 0}
        return [limit, offset]

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
        if not getattr(view, "deferred_join", False):
            return super().paginate_queryset(queryset, request, view)
        # LimitOffsetPagination.paginate_queryset, with the page read by a deferred join
        # (portal.pagination): the views of long lists (orders, the inbox) set `deferred_join`
        # (their ordering is total). Such a view may count its rows itself, more cheaply than
        # a COUNT of the queryset (`count_rows(queryset)`, the same number), pick the page's
        # ids itself (`page_ids(queryset, offset, limit)`, the same ids) and read the page's
        # rows itself (`page_rows(ids)`, in the queryset's order).
        self.request = request
        self.limit = self.get_limit(request)
        count_rows = getattr(view, "count_rows", self.get_count)
        self.count = count_rows(queryset)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        pick = getattr(view, "page_ids", page_ids)
        ids = pick(queryset, self.offset, self.limit)
        page_rows = getattr(view, "page_rows", lambda ids: queryset.filter(pk__in=ids))
        return list(page_rows(ids))

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
