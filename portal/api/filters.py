from django import forms
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from portal.api.exceptions import ApiError
from portal.ids import is_id


class IdField(forms.CharField):
    """A database id as clients send it (portal.ids.is_id): ASCII digits, as an int."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not is_id(value):
            raise forms.ValidationError("must be an id (digits only).", code="invalid")
        return int(value)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{1,18}$"})
class IdFilter(filters.Filter):
    """A filter on an id: blank counts as absent, anything but digits is INVALID_QUERY."""

    field_class = IdField


class EmployeeFilterMixin(filters.FilterSet):
    """MobProc's employee filter (concepts/actor, "Context vs. Filtering"): `employee` (the
    employee id) or `companyEmployeeId` narrows a list to one employee's rows, among those the
    caller may see. Subclasses name the rows' employee field (`employee_field`; blank: the rows
    are employees)."""

    employee_field = ""

    employee = IdFilter(method="filter_employee")
    companyEmployeeId = filters.CharFilter(method="filter_company_employee_id")

    def filter_employee(self, queryset, name, value):
        return queryset.filter(**{self._lookup("pk"): value})

    def filter_company_employee_id(self, queryset, name, value):
        return queryset.filter(**{self._lookup("company_employee_id"): value})

    def _lookup(self, field: str) -> str:
        return f"{self.employee_field}__{field}" if self.employee_field else field


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
