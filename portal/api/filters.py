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


FLAG_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def query_flag(request, name: str) -> bool:
    """A true/false query parameter (MobProc writes TRUE): absent or blank is false, anything
    but true/false (1/0, yes/no, any case) is INVALID_QUERY."""
    raw = request.query_params.get(name, "").strip().lower()
    if raw == "":
        return False
    if raw not in FLAG_VALUES:
        raise ApiError(400, "INVALID_QUERY", f"'{name}' must be true or false.")
    return FLAG_VALUES[raw]


class FlagField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        if value in self.empty_values:
            return None
        if value not in FLAG_VALUES:
            raise forms.ValidationError("must be true or false.", code="invalid")
        return FLAG_VALUES[value]


@extend_schema_field({"type": "boolean"})
class FlagFilter(filters.Filter):
    """A true/false parameter read by the filterset itself (sortAscending)."""

    field_class = FlagField

    def filter(self, qs, value):
        return qs


UPDATED_DATE = "UPDATED_DATE"


class UpdatedSortMixin(filters.FilterSet):
    """MobProc's sort on the rows' last change (1.1.0 assets and orders, 1.2.0 employees):
    `sort=UPDATED_DATE` orders the list by `updated`, newest first, `sortAscending=true` oldest
    first (ties: by id, the same way). Without `sort` the list keeps its own order. Another
    sort name, or sortAscending not true/false, is INVALID_QUERY. Subclasses name the field
    (`updated_field`); a (tenant, updated_at) index serves it."""

    updated_field = "updated_at"

    sort = filters.ChoiceFilter(choices=[(UPDATED_DATE, UPDATED_DATE)], method="sort_later")
    sortAscending = FlagFilter()

    def sort_later(self, queryset, name, value):
        return queryset  # ordered in filter_queryset, once sortAscending is known too

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("sort") == UPDATED_DATE:
            sign = "" if self.form.cleaned_data.get("sortAscending") else "-"
            queryset = queryset.order_by(f"{sign}{self.updated_field}", f"{sign}pk")
        return queryset


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
