"""Representations shared by every app's API: links, prices and people, in MobProc's shapes."""

from __future__ import annotations

import functools
import re
import threading
from decimal import Decimal

from django.urls import get_urlconf, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import selectors
from portal.models import Department, Employee

# Stand for ids while a URL's pattern is reversed once: numbers no row has, all of one length
# (none is a part of another).
_PLACEHOLDER = "9{:017d}"
_SIMPLE_VALUE = re.compile(r"[0-9A-Za-z_-]+")
# serializer_for(): per thread, the serializers built so far, by class.
_built_serializers = threading.local()


@functools.cache
def _path_template(viewname: str, names: tuple[str, ...], urlconf: str | None) -> str:
    """The path of a view with `{0}`, `{1}` ... where its arguments go."""
    placeholders = {name: _PLACEHOLDER.format(i) for i, name in enumerate(names)}
    path = reverse(f"api:{viewname}", kwargs=placeholders, urlconf=urlconf)
    path = path.replace("{", "{{").replace("}", "}}")
    for i, placeholder in enumerate(placeholders.values()):
        path = path.replace(placeholder, f"{{{i}}}")
    return path


def absolute_url(request, viewname: str, **kwargs) -> str:
    """An absolute URL of our own API (every `_meta.href`).

    A list answer holds hundreds of links: the scheme and host are worked out once per request,
    and each view's path pattern once per process, then filled in (`reverse` per link was a
    tenth of a list's cost). Values that would need quoting in a URL go through `reverse`.
    """
    base = getattr(request, "_absolute_base", None)
    if base is None:
        base = request._absolute_base = request.build_absolute_uri("/").rstrip("/")
    values = [str(value) for value in kwargs.values()]
    if not all(_SIMPLE_VALUE.fullmatch(value) for value in values):
        return base + _reversed(viewname, tuple(kwargs.items()), get_urlconf())
    return base + _path_template(viewname, tuple(kwargs), get_urlconf()).format(*values)


@functools.lru_cache(maxsize=4096)
def _reversed(viewname: str, kwargs: tuple[tuple[str, object], ...], urlconf: str | None) -> str:
    """The path of a view for values that need quoting (a manufacturer's name: its id), as
    `reverse` writes it; the same few recur on every answer."""
    return reverse(f"api:{viewname}", kwargs=dict(kwargs), urlconf=urlconf)


def serializer_for(serializer_class: type[serializers.Serializer], context: dict):
    """A `serializer_class` that represents objects for the answer `context` belongs to.

    Building a serializer's fields (introspecting its model, deep-copying each declared field,
    binding it) costs more than representing an object with them: ~0.2 ms for an employee, on
    every answer that showed one. So each thread builds a serializer of each class once and
    hands it the answer's context each time. Only `to_representation` may be called on it
    (its fields read the context at that point; nothing of an answer stays on the serializer
    but its context, until the thread's next answer of this kind).
    """
    built = getattr(_built_serializers, "by_class", None)
    if built is None:
        built = _built_serializers.by_class = {}
    serializer = built.get(serializer_class)
    if serializer is None:
        serializer = built[serializer_class] = serializer_class()
    serializer._context = context
    return serializer


def represent(serializer_class: type[serializers.Serializer], instance, context: dict) -> dict:
    """`instance` as `serializer_class` shows it in the answer `context` belongs to."""
    return serializer_for(serializer_class, context).to_representation(instance)


def price(amount: Decimal, currency: str, recurrence: str) -> dict:
    return {"amount": float(amount), "currencyCode": currency, "recurrence": recurrence}


class HrefSerializer(serializers.Serializer):
    """Prefixes each object with `_meta.href`, the absolute URL of its own resource."""

    href_view: str = ""

    def href_kwargs(self, obj) -> dict:
        return {"pk": obj.pk}

    def to_representation(self, instance) -> dict:
        # The same person, vendor or manufacturer recurs on every row of a list: represent each
        # once per request (the context dict lives as long as one answer).
        cache = self.context.setdefault("_representations", {})
        key = (type(self), instance.pk)
        if key not in cache:
            data = super().to_representation(instance)
            request = self.context["request"]
            href = absolute_url(request, self.href_view, **self.href_kwargs(instance))
            cache[key] = {"_meta": {"href": href}, **data}
        return cache[key]


class StringIdField(serializers.CharField):
    """MobProc ids are strings on the wire, whatever they are in the database."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("source", "pk")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


PRICE_SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "number"},
        "currencyCode": {"type": "string"},
        "recurrence": {"type": "string", "enum": ["ONETIME", "MONTHLY"]},
    },
}


@extend_schema_field(PRICE_SCHEMA)
class PriceField(serializers.Field):
    """{amount, currencyCode, recurrence} from a model with PriceFields."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, obj) -> dict:
        return price(obj.price_amount, obj.price_currency, obj.price_recurrence)


class DepartmentSerializer(serializers.ModelSerializer):
    id = StringIdField()

    class Meta:
        model = Department
        fields = ["id", "name"]


class EmployeeSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "employee-detail"

    id = StringIdField()
    companyEmployeeId = serializers.CharField(source="company_employee_id")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    officePhone = serializers.CharField(source="office_phone")
    department = DepartmentSerializer(allow_null=True)

    class Meta:
        model = Employee
        fields = [
            "companyEmployeeId",
            "department",
            "email",
            "firstName",
            "id",
            "lastName",
            "officePhone",
            "status",
        ]


class EmployeeItemSerializer(EmployeeSerializer):
    """An employee as /employees lists and shows them (concepts/metadata): `_meta` links to the
    devices and the lines they hold, the asset lists filtered by `employee`; `updated`, the
    row's last change (MobProc 1.2.0; the people nested in orders and confirmations keep the
    seed's shape)."""

    updated = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta(EmployeeSerializer.Meta):
        fields = [*EmployeeSerializer.Meta.fields, "updated"]

    def to_representation(self, instance: Employee) -> dict:
        data = super().to_representation(instance)
        request = self.context["request"]
        query = f"?limit=10&offset=0&employee={instance.pk}"
        links = {
            "hrefDevices": absolute_url(request, "device-asset-list") + query,
            "hrefServices": absolute_url(request, "service-list") + query,
        }
        return {**data, "_meta": {**data["_meta"], **links}}


class CustomAttributeSerializer(serializers.Serializer):
    name = serializers.CharField(source="attribute.name")
    value = serializers.CharField()


class EmployeeDetailSerializer(EmployeeItemSerializer):
    """One employee as /employees/{id} and /me show them: with their custom attributes
    (MobProc 1.1.0), the name/value pairs their tenant defines, those set for them, by name."""

    customAttributes = serializers.SerializerMethodField()

    @extend_schema_field(CustomAttributeSerializer(many=True))
    def get_customAttributes(self, employee: Employee) -> list[dict]:
        # One prepared query, or the context's `custom_attributes` when the caller read them
        # for several employees at once (/me: the caller and the actor).
        values = self.context.get("custom_attributes")
        if values is None:
            values = selectors.custom_attribute_values([employee.pk])
        return values.get(employee.pk, [])

    class Meta(EmployeeItemSerializer.Meta):
        fields = [*EmployeeItemSerializer.Meta.fields, "customAttributes"]
