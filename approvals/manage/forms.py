"""Forms of the tenant admin pages for workflows: the shape of what is posted, nothing more.

The workflow editor is validated by approvals.workflow_input (one set of rules for
pages and API): its form fields are deliberately lenient, `workflow_input` turns them into the
serializer's input, and `show_problems` puts the serializer's messages back beside the inputs.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from approvals import rules
from approvals.models import ApprovalWorkflow, StepPolicy, StepRule
from approvals.routing import OrderFacts
from catalog.models import Region, TransactionType
from portal.exceptions import FieldProblem
from portal.models import Department, Employee, EmployeeGroup, Hierarchy, Tenant

STEP_ROWS = 5  # rows offered without JavaScript; blank ones are ignored
MAX_STEPS = 10  # as the serializer allows


class ListField(forms.Field):
    """Several values of one name (checkboxes), as posted: the serializer judges them."""

    def to_python(self, value) -> list[str]:
        return [str(item) for item in value or [] if str(item).strip()]


def _text(**attrs) -> forms.CharField:
    return forms.CharField(required=False, strip=True, widget=forms.TextInput(attrs=attrs))


NUMBER = {"inputmode": "numeric", "autocomplete": "off", "class": "short"}
MONEY = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "any", "class": "short"}


def employee_choices(tenant: Tenant) -> list[tuple[str, str]]:
    return [
        (str(e.pk), e.full_name + ("" if e.status == Employee.Status.ACTIVE else " (inactive)"))
        for e in Employee.objects.filter(tenant=tenant).only("first_name", "last_name", "status")
    ]


class WorkflowForm(forms.Form):
    name = _text(placeholder="e.g. Accessories over 100 USD", autocomplete="off")
    priority = _text(**NUMBER)
    is_active = forms.BooleanField(required=False, initial=True)
    transaction_types = ListField(
        required=False, widget=forms.CheckboxSelectMultiple(choices=TransactionType.choices)
    )
    onetime_cost_above = _text(**MONEY)
    monthly_cost_above = _text(**MONEY)
    departments = ListField(required=False, widget=forms.CheckboxSelectMultiple)
    regions = ListField(required=False, widget=forms.CheckboxSelectMultiple)
    reason_required_to_reject = forms.BooleanField(required=False, initial=True)
    reason_required_to_approve = forms.BooleanField(required=False)

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].widget.choices = [
            (str(d.pk), d.name) for d in Department.objects.filter(tenant=tenant)
        ]
        self.fields["regions"].widget.choices = [
            (str(r.pk), r.name) for r in Region.objects.filter(parent=None)
        ]

    @staticmethod
    def initial_of(workflow: ApprovalWorkflow) -> dict:
        return {
            "name": workflow.name,
            "priority": workflow.priority,
            "is_active": workflow.is_active,
            "transaction_types": workflow.transaction_types,
            "onetime_cost_above": workflow.onetime_cost_above,
            "monthly_cost_above": workflow.monthly_cost_above,
            "departments": [d.pk for d in workflow.departments.all()],
            "regions": [r.pk for r in workflow.regions.all()],
            "reason_required_to_reject": workflow.reason_required_to_reject,
            "reason_required_to_approve": workflow.reason_required_to_approve,
        }


SOURCE_SLOTS = 3  # approver sources offered per step without JavaScript; blank ones are ignored
SOURCE_FIELDS = ("kind", "manager_levels", "hierarchy", "group", "employee")


def slot_field(name: str, slot: int) -> str:
    """A source slot's input: slot 1 keeps the one-source names (kind, group...), the others
    are numbered (kind_2, group_2...)."""
    return name if slot == 1 else f"{name}_{slot}"


class StepForm(forms.Form):
    """One step row: up to SOURCE_SLOTS approver sources, the rule over them, the delays in
    minutes. Fields are added per slot in __init__ (slot_field names)."""

    rule = forms.CharField(required=False, widget=forms.Select(choices=StepPolicy.Rule.choices))
    required = _text(placeholder="N", **NUMBER)
    reject_when = forms.CharField(
        required=False, widget=forms.Select(choices=StepPolicy.RejectWhen.choices)
    )
    reminder_delay_minutes = _text(placeholder="none", **NUMBER)
    escalation_delay_minutes = _text(placeholder="none", **NUMBER)

    def __init__(self, *args, choices: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, SOURCE_SLOTS + 1):
            self.fields[slot_field("kind", slot)] = forms.CharField(
                required=False,
                widget=forms.Select(
                    choices=[("", "No step" if slot == 1 else "No other source"),
                             *StepRule.Kind.choices]
                ),
            )  # fmt: skip
            self.fields[slot_field("manager_levels", slot)] = _text(**NUMBER)
            for name, options in choices.items():
                self.fields[slot_field(name, slot)] = forms.CharField(
                    required=False, widget=forms.Select(choices=options)
                )

    def slots(self) -> list[dict]:
        """The source slots' bound fields, for the template: [{"number", "kind", ...}]."""
        return [
            {
                "number": slot,
                "label": "Who approves" if slot == 1 else f"Source {slot}",
                # With JavaScript a slot shows the inputs of its kind only (manage.js).
                **{f"for_{kind.lower()}": f"for-{kind}" for kind in StepRule.Kind.values},
                **{name: self[slot_field(name, slot)] for name in SOURCE_FIELDS},
            }
            for slot in range(1, SOURCE_SLOTS + 1)
        ]

    def filled_slots(self) -> list[int]:
        """The slots (valid form) that name a source, in order."""
        data = self.cleaned_data
        return [s for s in range(1, SOURCE_SLOTS + 1) if data.get(slot_field("kind", s))]

    @staticmethod
    def initial_of(step) -> dict:
        initial = {
            "rule": step.rule,
            "required": step.required or "",
            "reject_when": step.reject_when,
            "reminder_delay_minutes": step.reminder_delay_minutes,
            "escalation_delay_minutes": step.escalation_delay_minutes,
        }
        for slot, source in enumerate(list(step.sources.all())[:SOURCE_SLOTS], start=1):
            initial |= {
                slot_field("kind", slot): source.kind,
                slot_field("manager_levels", slot): source.manager_levels,
                slot_field("hierarchy", slot): source.hierarchy_id or "",
                slot_field("group", slot): source.group_id or "",
                slot_field("employee", slot): source.employee_id or "",
            }
        return initial


StepFormSet = forms.formset_factory(StepForm, extra=0, max_num=MAX_STEPS, absolute_max=MAX_STEPS)
BLANK_STEP = {slot_field("manager_levels", s): 1 for s in range(1, SOURCE_SLOTS + 1)}


def step_formset(tenant: Tenant, *, data=None, steps=()) -> forms.BaseFormSet:
    """The step rows: the workflow's steps, then blank rows up to STEP_ROWS (at least one)."""
    initial = [StepForm.initial_of(step) for step in steps]
    blank = max(STEP_ROWS - len(initial), 1)
    initial = (initial + [BLANK_STEP] * blank)[:MAX_STEPS]
    choices = {
        "hierarchy": [("", "Reporting line (default)")]
        + [(str(h.pk), h.name) for h in Hierarchy.objects.filter(tenant=tenant, is_default=False)],
        "group": [("", "Choose a group")]
        + [(str(g.pk), g.name) for g in EmployeeGroup.objects.filter(tenant=tenant)],
        "employee": [("", "Choose an employee"), *employee_choices(tenant)],
    }
    return StepFormSet(data, initial=initial, prefix="step", form_kwargs={"choices": choices})


# --- Between the forms and approvals.workflow_input ------------------------------------------

FIELD_OF_INPUT = {
    "name": "name",
    "priority": "priority",
    "isActive": "is_active",
    "conditions.transactionTypes": "transaction_types",
    "conditions.oneTimeCostAbove": "onetime_cost_above",
    "conditions.monthlyCostAbove": "monthly_cost_above",
    "conditions.departmentIds": "departments",
    "conditions.regionIds": "regions",
    "reasonRequiredToReject": "reason_required_to_reject",
    "reasonRequiredToApprove": "reason_required_to_approve",
}
STEP_FIELD_OF_INPUT = {
    "approvers": "kind",
    "rule": "rule",
    "required": "required",
    "rejectWhen": "reject_when",
    "reminderDelayMinutes": "reminder_delay_minutes",
    "escalationDelayMinutes": "escalation_delay_minutes",
}
SOURCE_FIELD_OF_INPUT = {
    "kind": "kind",
    "managerLevels": "manager_levels",
    "hierarchyId": "hierarchy",
    "groupId": "group",
    "employeeId": "employee",
}
# Which approver input each kind of source uses; the others in its slot are ignored.
APPROVER_INPUTS = {
    StepRule.Kind.MANAGER: {"managerLevels": "manager_levels", "hierarchyId": "hierarchy"},
    StepRule.Kind.GROUP: {"groupId": "group"},
    StepRule.Kind.EMPLOYEE: {"employeeId": "employee"},
}
STEP_PATH = re.compile(r"steps\[(\d+)\]\.?(.*)")
SOURCE_PATH = re.compile(r"approvers\[(\d+)\]\.(.*)")


def workflow_input(form: WorkflowForm, steps: forms.BaseFormSet) -> tuple[dict, list[int]]:
    """The serializer's input from the (valid) forms, and the row of each step it contains
    (rows naming no source are left out)."""
    data = form.cleaned_data
    body: dict = {
        "name": data["name"],
        "isActive": data["is_active"],
        "conditions": {
            "transactionTypes": data["transaction_types"],
            "oneTimeCostAbove": data["onetime_cost_above"] or None,
            "monthlyCostAbove": data["monthly_cost_above"] or None,
            "departmentIds": data["departments"],
            "regionIds": data["regions"],
        },
        "reasonRequiredToReject": data["reason_required_to_reject"],
        "reasonRequiredToApprove": data["reason_required_to_approve"],
        "steps": [],
    }
    if data["priority"]:
        body["priority"] = data["priority"]
    rows = []
    for row, step_form in enumerate(steps.forms):
        step = step_form.cleaned_data
        slots = step_form.filled_slots()
        if not slots:
            continue
        sources = []
        for slot in slots:
            kind = step[slot_field("kind", slot)]
            inputs = {"kind": "kind", **APPROVER_INPUTS.get(kind, {})}
            sources.append(
                {key: step[slot_field(name, slot)] for key, name in inputs.items()
                 if step[slot_field(name, slot)]}
            )  # fmt: skip
        policy = {key: step[name] for key, name in STEP_FIELD_OF_INPUT.items() if name != "kind"}
        body["steps"].append({"approvers": sources, **{k: v for k, v in policy.items() if v}})
        rows.append(row)
    return body, rows


def show_problems(
    problems: list[FieldProblem], form: WorkflowForm, steps: forms.BaseFormSet, rows: list[int]
) -> None:
    """Put each problem (serializer paths like `conditions.oneTimeCostAbove`,
    `steps[1].approvers[0].employeeId`) beside its input; the rest go on top of the form."""
    for problem in problems:
        path = re.sub(r"\[\d+\]$", "", problem.field)  # a list item: the list's input
        step = STEP_PATH.fullmatch(problem.field)
        if problem.field == "steps":
            message = problem.message
            if problem.code == "REQUIRED":
                message = "Add at least one step: say who must approve."
            steps.non_form_errors().append(message)
        elif step and int(step[1]) < len(rows):
            step_form = steps.forms[rows[int(step[1])]]
            step_form.add_error(_step_input(step_form, step[2]), problem.message)
        elif path in FIELD_OF_INPUT:
            form.add_error(FIELD_OF_INPUT[path], problem.message)
        else:
            form.add_error(None, problem.message)


def _step_input(step_form: StepForm, path: str) -> str | None:
    """The input of a step row a problem's path (within the step) is about: a source's input
    in its slot (the n-th source is the n-th slot filled in), or a step's; None: the row."""
    source = SOURCE_PATH.fullmatch(path)
    if source:
        slots = step_form.filled_slots()
        index = int(source[1])
        name = SOURCE_FIELD_OF_INPUT.get(source[2])
        if name and index < len(slots):
            return slot_field(name, slots[index])
        return None
    return STEP_FIELD_OF_INPUT.get(re.sub(r"\[\d+\]$", "", path))


# --- The example order of a preview ---------------------------------------------------------


class ExampleOrderForm(forms.Form):
    """An order as routing sees it, made up to preview who would approve it."""

    transaction_type = forms.ChoiceField(
        choices=TransactionType.choices, initial=TransactionType.ORDER_ACCESSORIES
    )
    requester = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        empty_label="Choose the requester",
        error_messages={"required": "Choose who orders."},
    )
    onetime = forms.DecimalField(
        label="One-time amount", required=False, min_value=0, max_digits=12, decimal_places=2,
        widget=forms.TextInput(attrs={**MONEY, "placeholder": "0.00"}),
    )  # fmt: skip
    monthly = forms.DecimalField(
        label="Monthly amount", required=False, min_value=0, max_digits=12, decimal_places=2,
        widget=forms.TextInput(attrs={**MONEY, "placeholder": "0.00"}),
    )  # fmt: skip
    region = forms.ModelChoiceField(
        queryset=Region.objects.filter(parent=None), required=False, empty_label="Any region"
    )

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["requester"].queryset = Employee.objects.filter(tenant=tenant).active()

    def facts(self) -> OrderFacts:
        data = self.cleaned_data
        requester = data["requester"]
        return OrderFacts(
            tenant=self.tenant,
            transaction_type=data["transaction_type"],
            cost_onetime=data["onetime"] or Decimal("0"),
            cost_monthly=data["monthly"] or Decimal("0"),
            region_id=data["region"].pk if data["region"] else None,
            requester=requester,
            makers=rules.makers(requester.pk),
        )
