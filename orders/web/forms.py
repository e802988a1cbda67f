"""Order forms: shape only.

An OrderForm lays out the tenant's order properties for one transaction type and, when the
order ships, the region's address format as inputs; it reads a POST into a MobProc
`{"orderRequest": {...}}` body and puts each problem that orders.requests.parse_order_request
reports beside the input it is about. Which answers are required, how long they may be and what
they must look like is decided there, not here. Pages with inputs of their own (a feature
picker, a serial number) pass them as `extra` Inputs, whose `path` names the request field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django import forms

from catalog.models import Acknowledgement, InfoBlock, Region, TransactionType
from orders import properties as order_properties
from orders.models import PropertyField, PropertyGroup
from portal.exceptions import FieldProblem
from portal.web.pages import problems_by_field

T = PropertyField.Type
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
CHECKED = "on"


@dataclass
class Choice:
    id: str
    label: str
    is_other: bool = False


@dataclass
class Input:
    """One input of the form and the problem path (under `orderRequest.`) it answers."""

    name: str
    label: str
    kind: str  # text, date, choice, boolean, select
    path: str
    required: bool = False
    value: str = ""
    other_value: str = ""
    max_length: int | None = None
    hint: str = ""
    choices: list[Choice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    autocomplete: str = ""
    inputmode: str = ""

    @property
    def other_name(self) -> str:
        return f"{self.name}-other"

    @property
    def has_other(self) -> bool:
        return any(choice.is_other for choice in self.choices)

    @property
    def checked(self) -> bool:
        return self.value == CHECKED


@dataclass
class InputGroup:
    id: str
    title: str
    inputs: list[Input]


# Browser autofill hints for the address lines of the countries' formats (others get none).
ADDRESS_HINTS = {
    "LINE_1": "address-line1",
    "LINE_2": "address-line2",
    "LINE_3": "address-line3",
    "CITY": "address-level2",
    "STATE": "address-level1",
    "PROVINCE": "address-level1",
    "COUNTY": "address-level1",
    "POSTAL_CODE": "postal-code",
}
DIGITS_ONLY = re.compile(r"[9\s-]+")  # a postal code pattern of digits alone: 99999, 99999-9999


def _property_input(group: PropertyGroup, config: PropertyField) -> Input:
    kind = {T.TEXT: "text", T.DATE: "date", T.CHOICE: "choice", T.BOOLEAN: "boolean"}
    # A date input sends YYYY-MM-DD (typed so where a browser has no date picker): the hint
    # says that, not the tenant's pattern.
    hint = order_properties.hint(config)
    return Input(
        name=f"prop-{group.group_id}-{config.field_id}",
        label=config.label,
        kind=kind.get(config.type, "text"),
        path=f"properties.{group.group_id}.{config.field_id}",
        required=config.is_required,
        value=config.default_text if config.type == T.TEXT else "",
        max_length=config.max_length,
        hint=hint,
        choices=[Choice(c.choice_id, c.label, c.is_other) for c in config.choices.all()],
        inputmode="tel" if "NUMBER" in config.field_id or "PHONE" in config.field_id else "",
    )


def _acknowledgement_input(ack: Acknowledgement) -> Input:
    return Input(
        name=f"ack-{ack.ack_id}",
        label=ack.label,
        kind="boolean",
        path=f"acknowledgements.{ack.ack_id}",
        required=ack.is_required,
    )


def _address_input(spec: dict, region: Region) -> Input:
    # A phone shows its digit keyboard for a postal code of digits alone (not for "A9A 9A9").
    numeric = spec["id"] == "POSTAL_CODE" and DIGITS_ONLY.fullmatch(region.postal_code_pattern)
    options = spec.get("options") or []
    return Input(
        name=f"addr-{spec['id']}",
        label=spec.get("label", spec["id"]),
        kind="select" if options else "text",
        path=f"shipTo.address.{spec['id']}",
        required=spec.get("validation") == "REQUIRED",
        max_length=spec.get("maxLength"),
        choices=[Choice(str(o["id"]), o.get("label", o["id"])) for o in options],
        autocomplete=ADDRESS_HINTS.get(spec["id"], ""),
        inputmode="numeric" if numeric else "",
    )


def _title(group_id: str) -> str:
    return group_id.replace("_", " ").capitalize()


def ship_to_initial(ship_to: dict | None, *, name: str) -> dict[str, str]:
    """Initial values of the ship-to inputs from an order's stored ship-to (orders.selectors.
    last_ship_to): recipient, country and address lines; `name` as the recipient when there is
    none. Expedite is chosen per order, never remembered."""
    if not ship_to:
        return {"ship-name": name}
    values = {"ship-name": str(ship_to.get("name") or name)}
    if ship_to.get("regionId"):
        values["region"] = str(ship_to["regionId"])
    for line in ship_to.get("address") or []:
        if isinstance(line, dict) and line.get("id"):
            values[f"addr-{line['id']}"] = str(line.get("value") or "")
    return values


class OrderForm:
    """The inputs of an order of one transaction type, bound to `data` (a POST or the values
    kept in the session) or to `initial` values. `region` is None for orders that ship nothing.
    `contact_number` (orders.properties.known_contact_number) is the initial answer of the
    properties asking for one, unless the tenant gave them a default."""

    def __init__(
        self,
        *,
        transaction_type: str,
        groups: Iterable[PropertyGroup],
        region: Region | None = None,
        regions: list[Region] | None = None,
        extra: Iterable[Input] = (),
        data: Mapping[str, str] | None = None,
        initial: Mapping[str, str] | None = None,
        contact_number: str = "",
        acknowledgements: Iterable[Acknowledgement] = (),
        info_blocks: Iterable[InfoBlock] = (),
    ) -> None:
        self.transaction_type = transaction_type
        # What the vendor asks (orders.acknowledgements.asked): read, and accept, each a
        # checkbox whose problem (not accepted) the request reader puts at its path.
        self.info_blocks = list(info_blocks)
        self.acknowledgements = [_acknowledgement_input(ack) for ack in acknowledgements]
        self.region = region
        initial = dict(initial or {})
        self.groups = []
        for g in groups:
            inputs = []
            for f in g.fields.all():
                item = _property_input(g, f)
                if contact_number and not item.value and order_properties.asks_contact_number(f):
                    initial.setdefault(item.name, contact_number)
                inputs.append(item)
            self.groups.append(InputGroup(g.group_id, _title(g.group_id), inputs))
        self.extra = list(extra)
        self.ships = region is not None
        if self.ships:
            self.ship_name = Input(
                "ship-name", "Recipient", "text", "shipTo.name", required=True, max_length=200,
                autocomplete="name",
            )  # fmt: skip
            self.address = [_address_input(spec, region) for spec in region.address_format]
            self.expedite = Input("expedite", "Expedite shipping", "boolean", "shipTo.expedite")
            self.region_input = Input(
                "region", "Country", "select", "shipTo.regionId", required=True,
                value=str(region.pk), choices=[Choice(str(r.pk), r.name) for r in regions or []],
            )  # fmt: skip
        self.errors: list[str] = []
        source = data if data is not None else initial
        for item in self.inputs:
            if item.name in source:
                item.value = str(source.get(item.name) or "").strip()
            if item.has_other:
                item.other_value = str(source.get(item.other_name) or "").strip()
        if self.ships:
            self.region_input.value = str(region.pk)

    @property
    def ship_inputs(self) -> list[Input]:
        if not self.ships:
            return []
        return [self.ship_name, *self.address, self.expedite, self.region_input]

    @property
    def inputs(self) -> list[Input]:
        properties = [item for group in self.groups for item in group.inputs]
        return [*properties, *self.extra, *self.acknowledgements, *self.ship_inputs]

    def values(self) -> dict[str, str]:
        """What the employee typed, to keep in the session between the form and the review."""
        values = {item.name: item.value for item in self.inputs}
        values.update({item.other_name: item.other_value for item in self.inputs if item.has_other})
        return values

    def body(self, *, external_order_number: str, **fields) -> dict:
        """The MobProc body these values stand for, with the type's own `fields` (unchecked:
        parse_order_request checks it)."""
        groups = []
        for group in self.groups:
            answers = [answer for item in group.inputs if (answer := _answer(item)) is not None]
            if answers:
                groups.append({"groupId": group.id, "fields": answers})
        request = {
            "externalOrderNumber": external_order_number,
            "transactionType": self.transaction_type,
            **fields,
            "properties": groups,
        }
        if self.acknowledgements:
            request["acknowledgements"] = [
                {"id": item.path.split(".", 1)[1], "type": "BOOLEAN", "boolean": item.checked}
                for item in self.acknowledgements
            ]
        if self.ships:
            request["shipTo"] = {
                "name": self.ship_name.value,
                "regionId": str(self.region.pk),
                "address": [
                    {"id": item.path.rsplit(".", 1)[1], "value": item.value}
                    for item in self.address
                ],
                "expedite": self.expedite.checked,
            }
        return {"orderRequest": request}

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Put every problem beside its input (an input's path, or a parent of the problem's
        path: `shoppingCart.features` takes `shoppingCart.features[2].id`); the ones no input
        answers go on top."""
        by_path = {item.path: item for item in self.inputs}
        for path, messages in problems_by_field(problems, prefix="orderRequest").items():
            item = by_path.get(path) or by_path.get(re.sub(r"\[\d+\].*$", "", path))
            if item is not None:
                item.errors.extend(messages)
            else:
                self.errors.extend(messages)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(item.errors) for item in self.inputs)


class CheckoutForm(OrderForm):
    """The ORDER_ACCESSORIES checkout of the cart."""

    def __init__(self, **kwargs) -> None:
        super().__init__(transaction_type=TransactionType.ORDER_ACCESSORIES, **kwargs)

    def order_request(
        self, *, service_id: str | None, accessory_ids: list[str], external_order_number: str
    ) -> dict:
        return self.body(
            external_order_number=external_order_number,
            serviceId=service_id,
            shoppingCart={"accessoryIds": list(accessory_ids)},
        )


def _answer(item: Input) -> dict | None:
    """One property answer in MobProc's shape; None for an empty one (nothing to send)."""
    field_id = item.path.rsplit(".", 1)[1]
    if item.kind == "boolean":
        return {"id": field_id, "type": T.BOOLEAN, "boolean": item.checked}
    if not item.value:
        return None
    if item.kind == "date":
        # <input type=date> sends 2016-12-22; MobProc wants a timestamp. Anything else is
        # passed on as typed, for the request's own check to report.
        day = item.value
        return {
            "id": field_id,
            "type": T.DATE,
            "date": f"{day}T00:00:00+00:00" if ISO_DAY.fullmatch(day) else day,
        }
    if item.kind == "choice":
        choice: dict = {"id": item.value}
        if any(c.is_other and c.id == item.value for c in item.choices):
            choice["otherText"] = item.other_value
        return {"id": field_id, "type": T.CHOICE, "choice": choice}
    return {"id": field_id, "type": T.TEXT, "text": item.value}


class CancelForm(forms.Form):
    """The reason given on an order's page when cancelling it (who may cancel, and until when,
    is decided by services.cancel_order). A CharField: it refuses a NUL beside the input."""

    reason = forms.CharField(required=False, max_length=1000)
