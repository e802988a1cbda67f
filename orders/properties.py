"""Order properties: what a tenant asks per transaction type, and how answers are checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db.models import Prefetch, QuerySet

from orders.models import PropertyChoice, PropertyField, PropertyGroup
from portal.exceptions import FieldProblem
from portal.models import Tenant

Field = PropertyField


def groups_for(tenant: Tenant, transaction_type: str) -> QuerySet[PropertyGroup]:
    """The property groups asked for a transaction type, with fields and choices prefetched."""
    return PropertyGroup.objects.filter(
        tenant=tenant, transaction_type=transaction_type
    ).prefetch_related(
        Prefetch(
            "fields",
            queryset=PropertyField.objects.prefetch_related(
                Prefetch("choices", queryset=PropertyChoice.objects.order_by("position", "id"))
            ),
        )
    )


def check_properties(
    tenant: Tenant, transaction_type: str, submitted: list[dict]
) -> tuple[list[dict], list[FieldProblem]]:
    """Check submitted groups against the tenant's configuration.

    Returns the answers with their labels (as confirmations and orders show them) and every
    problem, each `field` being `GROUP.FIELD`.
    """
    configured = {group.group_id: group for group in groups_for(tenant, transaction_type)}
    problems: list[FieldProblem] = []
    answers: dict[tuple[str, str], dict] = {}
    for group in submitted:
        group_id = group["groupId"]
        config = configured.get(group_id)
        if config is None:
            problems.append(
                FieldProblem(group_id, "UNKNOWN_PROPERTY", f"No property group {group_id}.")
            )
            continue
        fields = {f.field_id: f for f in config.fields.all()}
        for answer in group["fields"]:
            path = f"{group_id}.{answer['id']}"
            field = fields.get(answer["id"])
            if field is None:
                problems.append(FieldProblem(path, "UNKNOWN_PROPERTY", "No such property."))
            elif (group_id, field.field_id) in answers:
                problems.append(FieldProblem(path, "DUPLICATE", "Answered more than once."))
            else:
                resolved, problem = _check_answer(field, answer, path)
                if problem:
                    problems.append(problem)
                elif resolved is not None:
                    answers[(group_id, field.field_id)] = resolved
    resolved_groups = []
    for group_id, config in configured.items():
        fields = []
        for field in config.fields.all():
            answer = answers.get((group_id, field.field_id))
            if answer is not None:
                fields.append(answer)
            elif field.is_required and not _already_reported(problems, group_id, field):
                problems.append(
                    FieldProblem(
                        f"{group_id}.{field.field_id}", "REQUIRED", f"{field.label} is required."
                    )
                )
        if fields:
            resolved_groups.append({"fields": fields, "groupId": group_id})
    return resolved_groups, problems


def _already_reported(problems: list[FieldProblem], group_id: str, field: Field) -> bool:
    return any(p.field == f"{group_id}.{field.field_id}" for p in problems)


def _unstorable(text: str, path: str, label: str) -> FieldProblem | None:
    """Characters PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates), which
    DRF's CharField refuses but a free-form JSON answer lets through."""
    if "\x00" in text:
        return FieldProblem(path, "NULL_CHARACTERS_NOT_ALLOWED", f"{label} contains a NUL.")
    if any("\ud800" <= char <= "\udfff" for char in text):
        return FieldProblem(
            path, "SURROGATE_CHARACTERS_NOT_ALLOWED", f"{label} contains surrogate characters."
        )
    return None


def _check_answer(field: Field, answer: dict, path: str) -> tuple[dict | None, FieldProblem | None]:
    """One answer against its field: (resolved answer or None if empty, problem or None)."""
    if answer.get("type") and answer["type"] != field.type:
        return None, FieldProblem(path, "INVALID_TYPE", f"{field.label} is a {field.type}.")
    base = {"id": field.field_id, "label": field.label, "type": field.type}
    if field.type == Field.Type.TEXT:
        text = answer.get("text")
        if text in (None, ""):
            return None, None
        if not isinstance(text, str):
            return None, FieldProblem(path, "INVALID_TYPE", f"{field.label} must be text.")
        if problem := _unstorable(text, path, field.label):
            return None, problem
        if field.min_length is not None and len(text) < field.min_length:
            return None, FieldProblem(
                path, "TOO_SHORT", f"{field.label} needs at least {field.min_length} characters."
            )
        if field.max_length is not None and len(text) > field.max_length:
            return None, FieldProblem(
                path, "TOO_LONG", f"{field.label} takes at most {field.max_length} characters."
            )
        if field.reg_ex and not re.fullmatch(field.reg_ex, text):
            hint = f" ({field.pattern})" if field.pattern else ""
            return None, FieldProblem(path, "INVALID_FORMAT", f"{field.label} is not valid{hint}.")
        return {**base, "text": text}, None
    if field.type == Field.Type.DATE:
        raw = answer.get("date")
        if raw in (None, ""):
            return None, None
        try:
            parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            return None, FieldProblem(
                path, "INVALID_FORMAT", f"{field.label} must be a date like 2016-12-22T00:00:00Z."
            )
        if parsed.tzinfo is None:  # a bare date or local time: MobProc dates are UTC
            parsed = parsed.replace(tzinfo=UTC)
        return {**base, "date": parsed.isoformat()}, None
    if field.type == Field.Type.BOOLEAN:
        value = answer.get("boolean")
        if value is None:
            return None, None
        if not isinstance(value, bool):
            return None, FieldProblem(path, "INVALID_TYPE", f"{field.label} must be true or false.")
        return {**base, "boolean": value}, None
    # CHOICE
    picked = answer.get("choice")
    if picked in (None, {}):
        return None, None
    if not isinstance(picked, dict) or not isinstance(picked.get("id"), str | int):
        return None, FieldProblem(path, "INVALID_TYPE", f"{field.label} needs a choice id.")
    choices = {c.choice_id: c for c in field.choices.all()}
    choice = choices.get(str(picked["id"]))
    if choice is None:
        return None, FieldProblem(
            path, "INVALID_VALUE", f"{picked['id']!r} is not a choice of {field.label}."
        )
    resolved = {"id": choice.choice_id, "label": choice.label}
    if choice.is_other:
        other = picked.get("otherText")
        if not isinstance(other, str) or not other.strip():
            return None, FieldProblem(
                path, "REQUIRED", f"{field.label}: '{choice.label}' needs otherText."
            )
        if problem := _unstorable(other, path, field.label):
            return None, problem
        resolved["otherText"] = other.strip()
    return {**base, "choice": resolved}, None


def group_representation(group: PropertyGroup) -> dict:
    """A configured group in MobProc's format: {groupId, fields: [{id, label, type, ...}]}."""
    fields = []
    for field in group.fields.all():
        data = {
            "id": field.field_id,
            "label": field.label,
            "type": field.type,
            "validation": field.validation,
        }
        optional = {
            "minLength": field.min_length,
            "maxLength": field.max_length,
            "pattern": field.pattern,
            "regEx": field.reg_ex,
            "text": field.default_text,
        }
        data.update({key: value for key, value in optional.items() if value not in (None, "")})
        if field.type == Field.Type.CHOICE:
            data["choices"] = [
                {"id": c.choice_id, "label": c.label, "isOther": c.is_other}
                for c in field.choices.all()
            ]
        fields.append(data)
    return {"groupId": group.group_id, "fields": fields}
