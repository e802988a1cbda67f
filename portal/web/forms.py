"""Form fields the apps' forms and admin share."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput

from portal.text import described, unstorable_paths


class StorableJSONField(forms.JSONField):
    """forms.JSONField (the admin's field for a models.JSONField) refusing strings the database
    cannot take. Being a CharField it refuses a NUL typed as such, but not the JSON escapes
    "\\u0000" (jsonb refuses it: 500 on save) and "\\ud800" (no UTF-8 for it: 500 as soon as
    the form is shown again, even refused)."""

    def validate(self, value) -> None:
        super().validate(value)
        errors = [
            ValidationError(
                "%(where)s contains %(what)s, which is not allowed.",
                code="invalid_character",
                params={
                    "where": f"The {what} at {path}" if path else "The value",
                    "what": described(text),
                },
            )
            for path, what, text in unstorable_paths(value)
        ]
        if errors:
            raise ValidationError(errors)

    def bound_data(self, data, initial):
        value = super().bound_data(data, initial)
        if not isinstance(value, InvalidJSONInput) and next(unstorable_paths(value), None):
            return InvalidJSONInput(data)  # shown again as typed, escapes and all
        return value


# A ModelAdmin's formfield_overrides for models with JSON fields.
STORABLE_JSON = {models.JSONField: {"form_class": StorableJSONField}}
