"""Order properties: what a tenant asks per transaction type, how answers are checked, and how
tenant admins change what is asked."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet

from catalog.models import TransactionType
from orders.models import PropertyChoice, PropertyField, PropertyGroup
from portal import audit
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Tenant
from portal.services import require_tenant_admin
from portal.text import described, unstorable

logger = logging.getLogger(__name__)

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


# A DATE answer is an ISO date (or timestamp): the one format the request accepts, said alike on
# forms and in the API's description of the field, whatever hint a tenant wrote for it.
DATE_FORMAT = "YYYY-MM-DD"


def hint(field: PropertyField) -> str:
    """The format hint shown with a field: the tenant's for text, ISO for dates."""
    if field.type == Field.Type.DATE:
        return DATE_FORMAT
    return field.pattern if field.type == Field.Type.TEXT else ""


def asks_contact_number(field: PropertyField) -> bool:
    """A text field asking for a phone number to reach the employee (CONTACT_NUMBER,
    "Contact Phone Number", CONTACT_PHONE...); not its extension (CONTACT_NUMBER_EXT, "Ext",
    as tutorials/properties asks it beside the number), which the number would not fill."""
    words = set(f"{field.field_id} {field.label}".upper().replace("_", " ").split())
    asks_number = bool({"NUMBER", "PHONE"} & words) and not {"EXT", "EXTENSION"} & words
    return field.type == Field.Type.TEXT and "CONTACT" in words and asks_number


def known_contact_number(employee: Employee, service=None) -> str:
    """The number the tenant knows to reach the employee: their office phone, else the line
    the order is about, else one of their active lines ("" when none)."""
    if employee.office_phone:
        return employee.office_phone
    if service is not None and service.status != service.Status.DEACTIVATED:
        return service.service_number
    line = employee.services.filter(status="ACTIVE").order_by("service_number").first()
    return line.service_number if line else ""


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
                path,
                "INVALID_FORMAT",
                f"{field.label} must be a date: {DATE_FORMAT}, e.g. 2016-12-22.",
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
                path, "REQUIRED", f"{field.label}: say what '{choice.label}' is, in a few words."
            )
        if problem := _unstorable(other, path, field.label):
            return None, problem
        resolved["otherText"] = other.strip()
    return {**base, "choice": resolved}, None


# Fields about the new device or the new plan of an order (MobProc 1.2.1: an UPGRADE without
# a new device asks `orderExcludesDevice`, one without a new plan `orderExcludesPlan`, and
# those are left out). The tenant marks them by their id, in the admin area as in the API.
DEVICE_SPECIFIC_PREFIX = "DEVICE_"
PLAN_SPECIFIC_PREFIX = "PLAN_"


def is_device_specific(field: PropertyField) -> bool:
    return field.field_id.upper().startswith(DEVICE_SPECIFIC_PREFIX)


def is_plan_specific(field: PropertyField) -> bool:
    return field.field_id.upper().startswith(PLAN_SPECIFIC_PREFIX)


def asked_fields(
    group: PropertyGroup, *, excludes_device: bool = False, excludes_plan: bool = False
) -> list[PropertyField]:
    """The group's fields an order asks: without the device-specific ones when it brings no
    new device, without the plan-specific ones when it brings no new plan."""
    return [
        field
        for field in group.fields.all()
        if not (excludes_device and is_device_specific(field))
        and not (excludes_plan and is_plan_specific(field))
    ]


def group_representation(
    group: PropertyGroup,
    *,
    contact_number: str = "",
    excludes_device: bool = False,
    excludes_plan: bool = False,
) -> dict:
    """A configured group in MobProc's format: {groupId, fields: [{id, label, type, ...}]}.
    `contact_number` (known_contact_number) is the prefilled `text` of a contact number field
    the tenant gave no default (as the tutorials show it: the number the tenant knows);
    `excludes_device` / `excludes_plan` leave out the fields asked_fields leaves out."""
    fields = []
    for field in asked_fields(group, excludes_device=excludes_device, excludes_plan=excludes_plan):
        data = {
            "id": field.field_id,
            "label": field.label,
            "type": field.type,
            "validation": field.validation,
        }
        optional = {
            "minLength": field.min_length,
            "maxLength": field.max_length,
            "pattern": hint(field) or field.pattern,
            "regEx": field.reg_ex,
            "text": field.default_text or (contact_number if asks_contact_number(field) else ""),
        }
        data.update({key: value for key, value in optional.items() if value not in (None, "")})
        if field.type == Field.Type.CHOICE:
            data["choices"] = [
                {"id": c.choice_id, "label": c.label, "isOther": c.is_other}
                for c in field.choices.all()
            ]
        fields.append(data)
    return {"groupId": group.group_id, "fields": fields}


# --- Configuration (tenant admins) -------------------------------------------------------------

# Ids of groups, fields and choices travel in API bodies (`groupId`, `id`): keep them plain.
PROPERTY_ID = re.compile(r"[A-Za-z0-9_.-]{1,50}")
PROPERTY_ID_HINT = "Use 1 to 50 letters, digits, _ . or -."


@transaction.atomic
def add_property_group(
    *, tenant: Tenant, actor: Employee, transaction_type: str, group_id: str
) -> PropertyGroup:
    """Start asking a new (empty) group of properties for one transaction type.

    Raises NotAllowed, or RequestInvalid (unknown type, malformed or taken group id).
    """
    require_tenant_admin(actor, tenant.pk)
    group_id = group_id.strip()
    problems = []
    if transaction_type not in TransactionType.values:
        problems.append(
            FieldProblem("transaction_type", "INVALID_VALUE", "Choose a transaction type.")
        )
    if not PROPERTY_ID.fullmatch(group_id):
        problems.append(FieldProblem("group_id", "INVALID_VALUE", PROPERTY_ID_HINT))
    groups = PropertyGroup.objects.filter(tenant=tenant, transaction_type=transaction_type)
    if not problems and groups.filter(group_id=group_id).exists():
        problems.append(FieldProblem("group_id", "DUPLICATE", f"{group_id} exists already."))
    if problems:
        raise RequestInvalid(problems)
    position = (groups.aggregate(last=Max("position"))["last"] or 0) + 1
    group = PropertyGroup.objects.create(
        tenant=tenant, transaction_type=transaction_type, group_id=group_id, position=position
    )
    _record_group(group, actor, audit.CREATED)
    logger.info("property group %s added by %s", group.pk, actor.pk)
    return group


@transaction.atomic
def delete_property_group(*, group: PropertyGroup, actor: Employee) -> None:
    """Stop asking a group and its fields; orders placed already keep their answers (copied
    with their labels at submit)."""
    require_tenant_admin(actor, group.tenant_id)
    group_pk = group.pk
    group.delete()
    group.pk = group_pk  # for the audit, which names what was deleted
    _record_group(group, actor, audit.DELETED)
    logger.info("property group %s deleted by %s", group.group_id, actor.pk)


def _record_group(group: PropertyGroup, actor: Employee, action: str) -> None:
    state = {"group_id": group.group_id, "transaction_type": group.transaction_type}
    audit.record_change(
        tenant=group.tenant_id,
        actor=actor,
        action=action,
        target_type=audit.ORDER_PROPERTY_GROUP,
        target_id=group.pk,
        target_name=f"{group.group_id} ({group.transaction_type})",
        before=state if action == audit.DELETED else None,
        after=state if action == audit.CREATED else None,
    )


def _field_state(field: PropertyField) -> dict:
    """A property field as the audit keeps it: its settings and its choices, as stored."""
    state = {
        "field_id": field.field_id,
        "label": field.label,
        "type": field.type,
        "validation": field.validation,
        "min_length": field.min_length,
        "max_length": field.max_length,
        "reg_ex": field.reg_ex,
        "pattern": field.pattern,
        "default_text": field.default_text,
    }
    choices = field.choices.order_by("position", "id")
    state["choices"] = [
        f"{c.choice_id}: {c.label}{' (other, say what)' if c.is_other else ''}" for c in choices
    ]
    return state


def _field_name(field: PropertyField) -> str:
    return f"{field.group.group_id}.{field.field_id} ({field.group.transaction_type})"


@dataclass(frozen=True)
class ChoiceInput:
    choice_id: str
    label: str
    is_other: bool = False


@dataclass(frozen=True)
class PropertyFieldInput:
    """A property field as a tenant admin writes it (MobProc: id, label, type, validation,
    minLength, maxLength, pattern, regEx, text, choices)."""

    field_id: str
    label: str
    type: str
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str = ""
    reg_ex: str = ""
    default_text: str = ""
    choices: tuple[ChoiceInput, ...] = ()


@transaction.atomic
def save_property_field(
    *,
    group: PropertyGroup,
    actor: Employee,
    data: PropertyFieldInput,
    field: PropertyField | None = None,
) -> PropertyField:
    """Create a field in a group, or replace one (with its choices).

    Length limits and the regular expression apply to TEXT fields and choices to CHOICE fields;
    other types drop them. Raises NotAllowed, or RequestInvalid listing every problem, each
    named as the form's inputs: field_id, label, type, min_length, max_length, reg_ex, choices,
    choices[N].id, choices[N].label.
    """
    require_tenant_admin(actor, group.tenant_id)
    is_text = data.type == PropertyField.Type.TEXT
    is_choice = data.type == PropertyField.Type.CHOICE
    problems = _property_field_problems(group, data, field)
    if problems:
        raise RequestInvalid(problems)
    # As stored (the caller's copy may hold edits that were not saved).
    before = _field_state(PropertyField.objects.get(pk=field.pk)) if field is not None else None
    values = {
        "field_id": data.field_id.strip(),
        "label": data.label.strip(),
        "type": data.type,
        "validation": PropertyField.Validation.REQUIRED
        if data.required
        else PropertyField.Validation.OPTIONAL,
        "min_length": data.min_length if is_text else None,
        "max_length": data.max_length if is_text else None,
        "reg_ex": data.reg_ex.strip() if is_text else "",
        "pattern": data.pattern.strip(),
        "default_text": data.default_text.strip(),
    }
    if field is None:
        position = (group.fields.aggregate(last=Max("position"))["last"] or 0) + 1
        field = PropertyField.objects.create(group=group, position=position, **values)
    else:
        for name, value in values.items():
            setattr(field, name, value)
        field.save()
    # Orders copy the chosen label when submitted, so replacing the choices is safe.
    field.choices.all().delete()
    if is_choice:
        PropertyChoice.objects.bulk_create(
            PropertyChoice(
                field=field,
                choice_id=choice.choice_id.strip(),
                label=choice.label.strip(),
                is_other=choice.is_other,
                position=position,
            )
            for position, choice in enumerate(data.choices)
        )
    audit.record_change(
        tenant=group.tenant_id,
        actor=actor,
        action=audit.CREATED if before is None else audit.UPDATED,
        target_type=audit.ORDER_PROPERTY,
        target_id=field.pk,
        target_name=_field_name(field),
        before=before,
        after=_field_state(field),
    )
    logger.info("property field %s saved by %s", field.pk, actor.pk)
    return field


def _property_field_problems(
    group: PropertyGroup, data: PropertyFieldInput, field: PropertyField | None
) -> list[FieldProblem]:
    problems = []
    field_id = data.field_id.strip()
    if not PROPERTY_ID.fullmatch(field_id):
        problems.append(FieldProblem("field_id", "INVALID_VALUE", PROPERTY_ID_HINT))
    else:
        taken = group.fields.filter(field_id=field_id)
        if field is not None:
            taken = taken.exclude(pk=field.pk)
        if taken.exists():
            problems.append(
                FieldProblem("field_id", "DUPLICATE", f"{group.group_id} has a {field_id} already.")
            )
    if not data.label.strip():
        problems.append(FieldProblem("label", "REQUIRED", "Give the field a label."))
    elif len(data.label.strip()) > 150:
        problems.append(FieldProblem("label", "TOO_LONG", "Keep the label under 150 characters."))
    if data.type not in PropertyField.Type.values:
        problems.append(FieldProblem("type", "INVALID_VALUE", "Choose a type."))
    if data.type == PropertyField.Type.TEXT:
        problems += _text_rule_problems(data)
    if data.type == PropertyField.Type.CHOICE:
        problems += _choice_problems(data.choices)
    return problems


def _text_rule_problems(data: PropertyFieldInput) -> list[FieldProblem]:
    problems = []
    for name in ("min_length", "max_length"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= 10_000:
            problems.append(FieldProblem(name, "INVALID_VALUE", "Use 0 to 10000 characters."))
    low, high = data.min_length, data.max_length
    if not problems and low is not None and high is not None and high < low:
        problems.append(
            FieldProblem("max_length", "INVALID_VALUE", "The maximum is below the minimum.")
        )
    if data.reg_ex.strip():
        try:
            re.compile(data.reg_ex.strip())
        except re.error as error:
            problems.append(
                FieldProblem("reg_ex", "INVALID_VALUE", f"Not a valid regular expression: {error}.")
            )
    return problems


def _choice_problems(choices: tuple[ChoiceInput, ...]) -> list[FieldProblem]:
    if not choices:
        return [FieldProblem("choices", "REQUIRED", "A choice field needs at least one choice.")]
    problems, seen = [], set()
    for index, choice in enumerate(choices):
        choice_id = choice.choice_id.strip()
        if not PROPERTY_ID.fullmatch(choice_id):
            problems.append(FieldProblem(f"choices[{index}].id", "INVALID_VALUE", PROPERTY_ID_HINT))
        elif choice_id in seen:
            problems.append(FieldProblem(f"choices[{index}].id", "DUPLICATE", "Used twice."))
        seen.add(choice_id)
        if not choice.label.strip():
            problems.append(FieldProblem(f"choices[{index}].label", "REQUIRED", "Add a label."))
        elif unstorable(choice.label):
            problems.append(
                FieldProblem(
                    f"choices[{index}].label",
                    "INVALID_CHARACTER",
                    f"The label contains {described(choice.label)}, which is not allowed.",
                )
            )
    if sum(choice.is_other for choice in choices) > 1:
        problems.append(
            FieldProblem("choices", "INVALID_VALUE", "Only one choice may ask for other text.")
        )
    return problems


@transaction.atomic
def delete_property_field(*, field: PropertyField, actor: Employee) -> None:
    """Stop asking a field; orders placed already keep their answers."""
    require_tenant_admin(actor, field.group.tenant_id)
    before, field_pk = _field_state(field), field.pk
    field.delete()
    audit.record_change(
        tenant=field.group.tenant_id,
        actor=actor,
        action=audit.DELETED,
        target_type=audit.ORDER_PROPERTY,
        target_id=field_pk,
        target_name=_field_name(field),
        before=before,
        after=None,
    )
    logger.info("property field %s deleted by %s", field.field_id, actor.pk)
