"""Care pages of a line: one form per action its status allows (suspend, resume, deactivate,
change features, swap devices, transfer it to its holder personally), read into a MobProc body
and handed to the shared review page. Which actions a line allows now is orders.rules'; every
other rule of a care order is orders.requests'.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from catalog import acknowledgements as catalog_acknowledgements
from catalog import selectors as catalog_selectors
from catalog.models import (
    DeviceAsset,
    Feature,
    Manufacturer,
    Recurrence,
    ServiceAsset,
    TransactionType,
)
from orders import properties as order_properties
from orders import rules
from orders.models import OrderItem
from orders.web.forms import CHECKED, Choice, Input, OrderForm
from orders.web.lines import CARE_ACTIONS, Action, line_or_404
from orders.web.review import (
    HEADLINES,
    draft_or_problems,
    kept_for_review,
    posted_number,
    start_review,
)
from portal.exceptions import FieldProblem
from portal.web.pages import employee_required

T = TransactionType


class CareInputs:
    """SUSPEND, UNSUSPEND, DEACTIVATE: the line alone (the tenant's properties for the type are
    the OrderForm's). Subclasses add the inputs of their type and its part of the body."""

    def __init__(self, service: ServiceAsset) -> None:
        self.service = service

    def inputs(self) -> list[Input]:
        return []

    def initial(self) -> dict[str, str]:
        return {}

    def fields(self) -> dict:
        """The type's own parts of the body (serviceId and the rest), from the inputs' values."""
        return {"serviceId": str(self.service.pk)}

    def explain(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        """The problems as this form's inputs answer them (a hook to reword or move some)."""
        return problems


@dataclass
class FeatureChoice:
    feature: Feature
    on: bool  # on the line now
    input: Input


class FeatureInputs(CareInputs):
    """UPDATE_FEATURES: one checkbox per feature of the line's plan (those the tenant offers and
    those on the line), ticked when on the line; the difference becomes ADD and REMOVE changes."""

    def __init__(self, service: ServiceAsset) -> None:
        super().__init__(service)
        on = {feature.pk for feature in service.features.all()}
        offered = catalog_selectors.features_offered(service.tenant).filter(plan=service.plan_id)
        listed = {feature.pk: feature for feature in offered}
        for feature in service.features.all():
            if feature.plan_id == service.plan_id:
                listed.setdefault(feature.pk, feature)  # no longer offered, still removable
        self.choices = [
            FeatureChoice(
                feature,
                feature.pk in on,
                # No problem names a feature by id (they name its index in the list of
                # changes): every one is shown with the list, on `changes`.
                Input(f"feature-{feature.pk}", feature.name, "boolean", f"features.{feature.pk}"),
            )
            for feature in sorted(listed.values(), key=lambda f: (f.name, f.pk))
        ]
        # Where problems with the list of changes (and any one of them) are shown.
        self.changes = Input("changes", "Features", "text", "shoppingCart.features")
        self.comment = Input(
            "comment",
            "Comment for the carrier",
            "text",
            "shoppingCart.featureRequestComment",
            max_length=500,
        )

    def inputs(self) -> list[Input]:
        return [*(choice.input for choice in self.choices), self.changes, self.comment]

    def initial(self) -> dict[str, str]:
        return {choice.input.name: CHECKED for choice in self.choices if choice.on}

    def _changes(self) -> list[tuple[FeatureChoice, str]]:
        changes = []
        for choice in self.choices:
            if choice.input.checked and not choice.on:
                changes.append((choice, OrderItem.Action.ADD))
            elif choice.on and not choice.input.checked:
                changes.append((choice, OrderItem.Action.REMOVE))
        return changes

    @property
    def monthly_change(self) -> Decimal:
        """How the line's monthly cost (ServiceAsset.monthly_cost) changes: features billed
        once are not on the monthly bill."""
        change = Decimal("0")
        for choice, action in self._changes():
            if choice.feature.price_recurrence != Recurrence.MONTHLY:
                continue
            price = choice.feature.price_amount
            change += price if action == OrderItem.Action.ADD else -price
        return change

    @property
    def monthly_change_size(self) -> Decimal:
        """The change without its sign (pages write its sign before it)."""
        return abs(self.monthly_change)

    @property
    def currency(self) -> str:
        return self.choices[0].feature.price_currency if self.choices else "USD"

    def fields(self) -> dict:
        cart = {
            "features": [
                {"id": str(choice.feature.pk), "action": action}
                for choice, action in self._changes()
            ]
        }
        if self.comment.value:
            cart["featureRequestComment"] = self.comment.value
        return {**super().fields(), "shoppingCart": cart}

    def explain(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        # An empty list of changes is the rule "change something"; say it in the form's words.
        return [
            FieldProblem(
                p.field,
                p.code,
                "Nothing would change: tick a feature to add it or untick one to remove it.",
            )
            if p.field == "orderRequest.shoppingCart.features" and p.code == "REQUIRED"
            else p
            for p in problems
        ]


CATALOG, OTHER = "catalog", "other"
SERIAL_TYPES = DeviceAsset.SerialNumberType.values
# As people write them ("IMEI", not the generated "Imei").
SERIAL_TYPE_LABELS = {"CAP_CODE": "CAP code", "UNKNOWN": "Unknown"}


class SwapInputs(CareInputs):
    """SWAP_DEVICES: the new device (a catalog model, or another make and model) and its serial
    number. The device the line is on now is the line's own, sent as `existingDevice`."""

    def __init__(self, service: ServiceAsset) -> None:
        super().__init__(service)
        tenant = service.tenant
        models = catalog_selectors.devices_offered(tenant).order_by("manufacturer__name", "model")
        self.source = Input(
            "new-source",
            "The new device is",
            "choice",
            "newDevice",
            required=True,
            choices=[
                Choice(CATALOG, "A model from our catalog"),
                Choice(OTHER, "Another make or model"),
            ],
        )
        self.model = Input(
            "new-model",
            "Model",
            "select",
            "newDevice.modelId",
            required=True,  # when a catalog model is chosen
            choices=[Choice(str(d.pk), f"{d.manufacturer.name} {d.model}") for d in models],
        )
        self.maker = Input(
            "new-maker",
            "Make",
            "select",
            "newDevice.manufacturerId",
            choices=[Choice(m.pk, m.name) for m in Manufacturer.objects.order_by("name")],
        )
        self.other = Input(
            "new-other",
            "Model name",
            "text",
            "newDevice.otherMakeModelName",
            required=True,  # when another make or model is chosen
            max_length=150,
            hint="As printed on the box or in the phone's settings, e.g. Pixel 8",
        )
        self.serial_type = Input(
            "serial-type",
            "Serial number type",
            "select",
            "newDevice.serialNumber.type",
            required=True,
            choices=[Choice(value, SERIAL_TYPE_LABELS.get(value, value)) for value in SERIAL_TYPES],
        )
        self.serial = Input(
            "serial",
            "Serial number",
            "text",
            "newDevice.serialNumber.value",
            required=True,
            max_length=40,
            hint="4 to 40 letters, digits or dashes; dial *#06# to see the IMEI",
            autocomplete="off",
        )
        self.sim = Input(
            "sim",
            "New SIM card id",
            "text",
            "newDevice.simId",
            max_length=40,
            hint="Only when the new device has a SIM card of its own; else the SIM moves along",
            autocomplete="off",
        )

    def inputs(self) -> list[Input]:
        return [self.source, self.model, self.maker, self.other, self.serial_type, self.serial,
                self.sim]  # fmt: skip

    def initial(self) -> dict[str, str]:
        return {self.source.name: CATALOG, self.serial_type.name: DeviceAsset.SerialNumberType.IMEI}

    @property
    def is_other(self) -> bool:
        return self.source.value == OTHER

    def _existing_device(self) -> dict:
        device = self.service.device
        make = device.make
        return {
            "manufacturerId": make.pk if make else None,
            "modelId": str(device.device_id) if device.device_id else None,
            "serialNumber": {"type": device.serial_number_type, "value": device.serial_number},
            "simId": device.sim_id,
        }

    def fields(self) -> dict:
        if self.is_other:
            named = {
                "manufacturerId": self.maker.value or None,
                "otherMakeModelName": self.other.value,
            }
        else:
            named = {"modelId": self.model.value or None}
        new_device = {
            **named,
            "serialNumber": {"type": self.serial_type.value, "value": self.serial.value},
        }
        if self.sim.value:
            new_device["simId"] = self.sim.value
        return {
            **super().fields(),
            "existingDevice": self._existing_device(),
            "newDevice": new_device,
        }

    def explain(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        # "Name the new device" is said to whichever way of naming it the employee chose.
        missing = "orderRequest.newDevice.modelId"
        explained = []
        for p in problems:
            if p.field == missing and p.code == "REQUIRED":
                if self.is_other:
                    p = FieldProblem(
                        "orderRequest.newDevice.otherMakeModelName",
                        p.code,
                        "Type the model of the new device.",
                    )
                else:
                    p = FieldProblem(p.field, p.code, "Choose the model of the new device.")
            explained.append(p)
        return explained


CARE_INPUTS: dict[str, type[CareInputs]] = {
    T.UPDATE_FEATURES: FeatureInputs,
    T.SWAP_DEVICES: SwapInputs,
}


@dataclass
class CareForm:
    """The form of one care action on one line: the tenant's properties for its type and the
    action's own inputs."""

    action: Action
    service: ServiceAsset
    care: CareInputs
    form: OrderForm
    number: str  # the externalOrderNumber the order is reviewed and submitted under

    def body(self) -> dict:
        return self.form.body(external_order_number=self.number, **self.care.fields())

    def show_problems(self, problems: list[FieldProblem]) -> None:
        self.form.show_problems(self.care.explain(problems))


def _care_form(
    action: Action, service: ServiceAsset, employee, *, data=None, number: str
) -> CareForm:
    care = CARE_INPUTS.get(action.type, CareInputs)(service)
    # What the line's carrier asks of this type (orders.acknowledgements decides what is due).
    asked = catalog_acknowledgements.disclosures_for(service.tenant, service.vendor_id, action.type)
    form = OrderForm(
        transaction_type=action.type,
        groups=order_properties.groups_for(service.tenant, action.type),
        region=None,  # care orders ship nothing
        extra=care.inputs(),
        data=data,
        initial=care.initial(),
        contact_number=order_properties.known_contact_number(employee, service),
        acknowledgements=asked.acknowledgements,
        info_blocks=asked.info_blocks,
    )
    return CareForm(action, service, care, form, number)


def _render_care(request, care_form: CareForm, *, status: int = 200):
    service, action = care_form.service, care_form.action
    device = getattr(service, "device", None)
    words = {"carrier": service.vendor.name, "device": device.make_model if device else "device"}
    conflict = rules.conflict_blocker(
        tenant=service.tenant,
        transaction_type=action.type,
        service=service,
        exclude_external_number=care_form.number,
    )
    context = {
        "action": action,
        "kind": action.type,
        "headline": HEADLINES[action.type].format(number=service.service_number),
        "service": service,
        "device": device,
        "care": care_form.care,
        "form": care_form.form,
        "number": care_form.number,
        "explanation": [line.format(**words) for line in action.explanation],
        "conflict": conflict,
    }
    return render(request, "orders/care_form.html", context, status=status)


@employee_required
@require_http_methods(["GET", "POST"])
def care_action(request, pk: int, action: str):
    """GET: the action's form. POST: validate it as a MobProc order and go to the review page;
    every problem is shown beside its input (400)."""
    chosen = CARE_ACTIONS.get(action)
    if chosen is None:
        raise Http404("No such action.")
    service = line_or_404(request.employee, pk)
    blocker = rules.care_blocker(service, chosen.type)
    if blocker is not None:
        context = {"action": chosen, "service": service, "reason": blocker.message}
        return render(request, "orders/care_unavailable.html", context, status=409)
    if request.method == "GET":
        values, number = kept_for_review(request)
        care_form = _care_form(chosen, service, request.employee, data=values, number=number)
        return _render_care(request, care_form)
    number = posted_number(request)
    care_form = _care_form(chosen, service, request.employee, data=request.POST, number=number)
    body = care_form.body()
    _draft, problems = draft_or_problems(request, body)
    if problems:
        care_form.show_problems(problems)
        return _render_care(request, care_form, status=400)
    back = f"{request.path}?review={number}"
    return start_review(request, body=body, back=back, typed=care_form.form.values())
