"""A property group written at once (the admin API's body): the group and all of its fields,
through the one-at-a-time services of orders.properties that the /manage/properties/ pages
call, so each rule and its wording stays theirs. All or nothing: a refusal stores nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from orders import properties
from orders.models import PropertyField, PropertyGroup
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Tenant

logger = logging.getLogger(__name__)


def _each_field(
    group: PropertyGroup, actor: Employee, fields: Sequence[properties.PropertyFieldInput]
) -> list[FieldProblem]:
    """Save the fields in the order given (by `field_id`: an existing one is replaced), delete
    the group's others; the problems, each at `fields[i].<input>` (`fields[i].field_id`...)."""
    problems: list[FieldProblem] = []
    existing = {field.field_id: field for field in group.fields.all()}
    seen: set[str] = set()
    kept: list[int] = []
    for index, data in enumerate(fields):
        key = data.field_id.strip()
        if key in seen:
            problems.append(FieldProblem(f"fields[{index}].field_id", "DUPLICATE", "Used twice."))
            continue
        seen.add(key)
        try:
            with transaction.atomic():
                saved = properties.save_property_field(
                    group=group, actor=actor, data=data, field=existing.get(key)
                )
        except RequestInvalid as refused:
            problems += [
                FieldProblem(f"fields[{index}].{p.field}", p.code, p.message)
                for p in refused.problems
            ]
        else:
            kept.append(saved.pk)
    if problems:
        return problems
    for field_id, field in existing.items():
        if field_id not in seen:
            properties.delete_property_field(field=field, actor=actor)
    # The order given is the order asked (positions, as the page's list shows them).
    for position, pk in enumerate(kept, start=1):
        PropertyField.objects.filter(pk=pk).update(position=position)
    return []


@transaction.atomic
def create_property_group(
    *, tenant: Tenant, actor: Employee, transaction_type: str, group_id: str,
    fields: Sequence[properties.PropertyFieldInput] = (),
) -> PropertyGroup:  # fmt: skip
    """A new group of properties for a transaction type, with its fields. Raises NotAllowed, or
    RequestInvalid listing every problem (the group's: transaction_type, group_id; each
    field's at fields[i].<input>)."""
    group = properties.add_property_group(
        tenant=tenant, actor=actor, transaction_type=transaction_type, group_id=group_id
    )
    problems = _each_field(group, actor, fields)
    if problems:
        raise RequestInvalid(problems)
    logger.info("property group %s created with %d fields by %s", group.pk, len(fields), actor.pk)
    return group


@transaction.atomic
def replace_property_fields(
    *, group: PropertyGroup, actor: Employee, fields: Sequence[properties.PropertyFieldInput]
) -> PropertyGroup:
    """Ask exactly these fields in a group, in this order (matched by id: an existing field is
    replaced, a new one added, one left out deleted; orders placed keep their answers).
    Raises NotAllowed, or RequestInvalid with each problem at fields[i].<input>."""
    group = PropertyGroup.objects.select_for_update().get(pk=group.pk)
    problems = _each_field(group, actor, fields)
    if problems:
        raise RequestInvalid(problems)
    return group
