"""Demo order properties: seed 002's MISCELLANEOUS group plus a few optional fields."""

from __future__ import annotations

from catalog.models import TransactionType
from orders.models import PropertyChoice, PropertyField, PropertyGroup
from portal.models import Tenant

T = PropertyField.Type
REQUIRED, OPTIONAL = PropertyField.Validation.REQUIRED, PropertyField.Validation.OPTIONAL

ACCESSORY_PROPERTIES = [
    # (field id, label, type, validation, extra, choices [(id, label, is_other)])
    ("CONTACT_NUMBER", "Contact Phone Number", T.TEXT, REQUIRED,
     {"min_length": 7, "max_length": 20, "reg_ex": r"[0-9+() -]{7,20}",
      "pattern": "digits, spaces, + ( ) -"}, []),
    ("SERVICE_NUMBER", "Service Number", T.TEXT, OPTIONAL, {"max_length": 20}, []),
    ("REASON", "Reason for the order", T.CHOICE, OPTIONAL, {},
     [("NEW_HIRE", "New hire", False), ("REPLACEMENT", "Replacement of a lost or broken item",
       False), ("OTHER", "Other", True)]),
    ("NEEDED_BY", "Needed by", T.DATE, OPTIONAL, {"pattern": "mm/dd/yyyy"}, []),
]  # fmt: skip


def load(tenants: dict[str, Tenant]) -> None:
    for tenant in tenants.values():
        group, _ = PropertyGroup.objects.update_or_create(
            tenant=tenant,
            transaction_type=TransactionType.ORDER_ACCESSORIES,
            group_id="MISCELLANEOUS",
            defaults={"position": 0},
        )
        for position, (field_id, label, kind, validation, extra, choices) in enumerate(
            ACCESSORY_PROPERTIES
        ):
            field, _ = PropertyField.objects.update_or_create(
                group=group,
                field_id=field_id,
                defaults={
                    "label": label,
                    "type": kind,
                    "validation": validation,
                    "position": position,
                    **extra,
                },
            )
            for choice_position, (choice_id, choice_label, is_other) in enumerate(choices):
                PropertyChoice.objects.update_or_create(
                    field=field,
                    choice_id=choice_id,
                    defaults={
                        "label": choice_label,
                        "is_other": is_other,
                        "position": choice_position,
                    },
                )
