from django_filters.rest_framework import DjangoFilterBackend

from portal.api.exceptions import ApiError


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter, with a bad query parameter answered by the MobProc error body (400)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(str(m) for m in messages)}"
                for name, messages in filterset.errors.items()
            )
            raise ApiError(400, "INVALID_QUERY", problems)
        return filterset.qs
