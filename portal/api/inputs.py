"""Pieces of the admin API's request bodies: ids of the caller's tenant's rows, and a
service's problems put at the body's paths."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from portal.exceptions import FieldProblem, RequestInvalid
from portal.ids import is_id


@extend_schema_field({"type": "string", "pattern": "^[0-9]{1,18}$"})
class IdField(serializers.Field):
    """A MobProc id (string or number) of a row of the caller's tenant: `lookup(context)`
    gives the rows; another tenant's id does not exist (NOT_FOUND), as for any reader."""

    default_error_messages = {
        "invalid": "Must be an id.",
        "does_not_exist": "{name} {value} does not exist.",
    }

    def __init__(self, *, name: str, lookup, **kwargs) -> None:
        self.name, self.lookup = name, lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int) or not is_id(str(data)):
            self.fail("invalid")
        # Cross-field rules `peek` at a field again: resolve each id once per request.
        resolved = self.root.__dict__.setdefault("_resolved_ids", {})
        key = (self.field_name, self.name, int(data))
        if key not in resolved:
            resolved[key] = self.lookup(self.context).filter(pk=int(data)).first()
        obj = resolved[key]
        if obj is None:
            self.fail("does_not_exist", name=self.name, value=data)
        return obj

    def to_representation(self, value):
        return str(value.pk)


class IdListField(serializers.ListField):
    """A list of MobProc ids resolved with one query (an id field per item would run one each);
    problems are reported per index, as a ListField reports them. `lookup(context)` gives the
    rows the ids may name (the caller's tenant's)."""

    def __init__(self, *, name: str, lookup: Callable, **kwargs) -> None:
        self.name, self.lookup = name, lookup
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        wanted = {
            index: int(value)
            for index, value in enumerate(values)
            if not isinstance(value, bool) and isinstance(value, str | int) and is_id(str(value))
        }
        found = self.lookup(self.context).in_bulk(set(wanted.values()))
        errors = {}
        for index, value in enumerate(values):
            if index not in wanted:
                errors[index] = [ErrorDetail("Must be an id.", code="invalid")]
            elif wanted[index] not in found:
                errors[index] = [
                    ErrorDetail(f"{self.name} {value} does not exist.", code="does_not_exist")
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return [found[wanted[index]] for index in range(len(values))]

    def to_representation(self, value):
        return [str(item.pk) for item in value]


def of_tenant(model, **filters) -> Callable:
    return lambda context: model.objects.filter(tenant=context["tenant"], **filters)


def at_paths(problems: list[FieldProblem], paths: dict[str, str]) -> RequestInvalid:
    """The service's problems with each field named as the body names it (`paths`: the
    service's name -> the body's; others kept as they are)."""
    return RequestInvalid(
        [FieldProblem(paths.get(p.field, p.field), p.code, p.message) for p in problems]
    )


def validated(serializer_class, data, **context) -> dict:
    """The body checked by a serializer (400 listing every problem, else its data)."""
    body = serializer_class(data=data, context=context)
    body.is_valid(raise_exception=True)
    return body.validated_data


class TextField(serializers.CharField):
    """Text as the document says: a JSON string. DRF's CharField also takes a number or a
    boolean and stores its str() (`"reason": 0` became the reason "0"); this refuses them as
    INVALID_TYPE, as it refuses a list."""

    default_error_messages = {"incorrect_type": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type")
        return super().to_internal_value(data)
