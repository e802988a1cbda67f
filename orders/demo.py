"""Demo order properties: seed 002's MISCELLANEOUS group for accessories, and for each other
transaction type what a company would sensibly ask (the losing carrier's account for a port,
a reason for a suspension...)."""

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
    ("NEEDED_BY", "Needed by", T.DATE, OPTIONAL, {}, []),
]  # fmt: skip


# Release 1.3.6's transfers (tutorials/orders/xfer_*): the personal account's side, in the
# tutorials' MISCELLANEOUS group and words. SERVICE_NUMBER is the number transferred in.
CONTACT = (
    "CONTACT_NUMBER",
    "Contact Phone Number",
    T.TEXT,
    REQUIRED,
    {
        "min_length": 7,
        "max_length": 20,
        "reg_ex": r"[0-9+() -]{7,20}",
        "pattern": "digits, spaces, + ( ) -",
    },
    [],
)
INSTRUCTIONS = (
    "ADDITIONAL_INSTRUCTIONS",
    "Additional Instructions",
    T.TEXT,
    OPTIONAL,
    {"max_length": 500},
    [],
)
PERSONAL_EMAIL = (
    "PERSONAL_EMAIL",
    "Personal E-mail Address",
    T.TEXT,
    REQUIRED,
    {"max_length": 200, "reg_ex": r"[^@\s]+@[^@\s]+\.[^@\s]+", "pattern": "name@example.com"},
    [],
)


def transfer_in_properties(*, pin: str) -> list:
    return [
        ("CARRIER_ACCT_NUMBER", "Carrier Account Number", T.TEXT, REQUIRED,
         {"min_length": 4, "max_length": 30}, []),
        CONTACT,
        ("NAME_ON_INVOICE", "Name on Invoice", T.TEXT, REQUIRED, {"max_length": 100}, []),
        INSTRUCTIONS,
        (*PERSONAL_EMAIL[:3], OPTIONAL, *PERSONAL_EMAIL[4:]),
        ("SERVICE_NUMBER", "Service Number", T.TEXT, REQUIRED, {"max_length": 20}, []),
        ("PIN_PASSWORD", "Account PIN or Password", T.TEXT, pin, {"max_length": 20}, []),
    ]  # fmt: skip


TT = TransactionType
# transaction type: (group id, fields as above). UNSUSPEND and UPDATE_FEATURES ask nothing (a
# feature change has its own comment).
PROPERTIES = {
    TT.ORDER_ACCESSORIES: ("MISCELLANEOUS", ACCESSORY_PROPERTIES),
    TT.NEW_ACTIVATION: ("NEW_LINE", [
        ("COST_CENTER", "Cost center", T.TEXT, REQUIRED,
         {"min_length": 3, "max_length": 20, "reg_ex": r"[A-Z0-9-]{3,20}",
          "pattern": "e.g. CC-1042"}, []),
        ("JUSTIFICATION", "Why a new line", T.CHOICE, REQUIRED, {},
         [("NEW_HIRE", "New hire", False), ("ROLE_CHANGE", "New role needs a phone", False),
          ("OTHER", "Other", True)]),
    ]),
    TT.UPGRADE: ("UPGRADE", [
        ("REASON", "Reason for the upgrade", T.CHOICE, OPTIONAL, {},
         [("ELIGIBLE", "Due for an upgrade", False), ("BROKEN", "Device broken", False),
          ("OTHER", "Other", True)]),
        # Device- and plan-specific (orders.properties: DEVICE_ / PLAN_ ids), left out of an
        # upgrade without a new device or plan (?orderExcludesDevice= / ?orderExcludesPlan=).
        ("DEVICE_COLOR", "Preferred colour of the new device", T.TEXT, OPTIONAL,
         {"max_length": 40}, []),
        ("PLAN_START", "New plan starts on", T.DATE, OPTIONAL, {}, []),
    ]),
    TT.PORT_NUMBER: ("PORT_IN", [
        ("LOSING_CARRIER", "Current carrier", T.TEXT, REQUIRED, {"max_length": 60}, []),
        ("ACCOUNT_NUMBER", "Account number at the current carrier", T.TEXT, REQUIRED,
         {"min_length": 4, "max_length": 30}, []),
        ("ACCOUNT_PIN", "Account PIN (transfer PIN)", T.TEXT, REQUIRED,
         {"min_length": 4, "max_length": 10, "reg_ex": r"[0-9]{4,10}", "pattern": "4 to 10 digits"},
         []),
        ("BILLING_NAME", "Name on the current account", T.TEXT, OPTIONAL, {"max_length": 100},
         []),
    ]),
    TT.SUSPEND: ("SUSPENSION", [
        ("REASON", "Why suspend the line", T.CHOICE, REQUIRED, {},
         [("LEAVE", "Leave of absence", False), ("LOST", "Device lost or stolen", False),
          ("OTHER", "Other", True)]),
        ("RESUME_ON", "Expected back on", T.DATE, OPTIONAL, {}, []),
    ]),
    TT.DEACTIVATE: ("DEACTIVATION", [
        ("REASON", "Why deactivate the line", T.CHOICE, REQUIRED, {},
         [("LEAVING", "Employee leaving", False), ("NOT_NEEDED", "No longer needed", False),
          ("OTHER", "Other", True)]),
        ("DEVICE_RETURNED", "The device goes back to IT", T.BOOLEAN, OPTIONAL, {}, []),
    ]),
    TT.XFER_SERVICE_OUT: ("MISCELLANEOUS", [
        CONTACT, INSTRUCTIONS, PERSONAL_EMAIL,
        ("SERVICE_NUMBER", "Service Number", T.TEXT, OPTIONAL, {"max_length": 20}, []),
    ]),
    # A port needs the losing carrier's PIN; a transfer on the same carrier may do without.
    TT.XFER_SERVICE_IN: ("MISCELLANEOUS", transfer_in_properties(pin=OPTIONAL)),
    TT.XFER_SERVICE_IN_AND_PORT: ("MISCELLANEOUS", transfer_in_properties(pin=REQUIRED)),
    TT.SWAP_DEVICES: ("SWAP", [
        ("REASON", "Why swap devices", T.CHOICE, OPTIONAL, {},
         [("BROKEN", "Device broken", False), ("PERSONAL", "Using my own device", False),
          ("OTHER", "Other", True)]),
    ]),
}  # fmt: skip


def load(tenants: dict[str, Tenant]) -> None:
    for tenant in tenants.values():
        for transaction_type, (group_id, fields) in PROPERTIES.items():
            _load_group(tenant, transaction_type, group_id, fields)


def _load_group(tenant: Tenant, transaction_type: str, group_id: str, fields: list) -> None:
    group, _ = PropertyGroup.objects.update_or_create(
        tenant=tenant,
        transaction_type=transaction_type,
        group_id=group_id,
        defaults={"position": 0},
    )
    for position, (field_id, label, kind, validation, extra, choices) in enumerate(fields):
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
