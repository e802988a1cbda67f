"""Forms of the manager pages: the shape of what is posted. The rules (who may decide, when a
reason is required or too long, who may be a delegate) live in approvals.rules and
portal.selectors, which the forms and the services call alike."""

from __future__ import annotations

from django import forms

from approvals import bulk, rules
from approvals.models import Decision
from portal import selectors as people
from portal.models import Employee

CHOOSE_ACTION = "Choose Approve or Reject."
CHOOSE_APPROVER = "Choose one of the step's approvers."
# The API's bound too (approvals.bulk).
MAX_BULK_ORDERS = bulk.MAX_ORDERS


class ReasonField(forms.CharField):
    """A decision's reason: optional here (whether it is required is the run's, checked by the
    service), refused when too long with the message the API gives (rules.MAX_REASON)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_length=rules.MAX_REASON, **kwargs)
        self.error_messages["max_length"] = rules.REASON_TOO_LONG


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=Decision.Action.choices,
        error_messages={"required": CHOOSE_ACTION, "invalid_choice": CHOOSE_ACTION},
    )
    reason = ReasonField()
    # A checkbox "don't notify" posts "None" (seed 001's communicationWorkflow); absent: Default.
    communication = forms.ChoiceField(choices=Decision.Communication.choices, required=False)

    # A tenant admin deciding for one of the step's approvers (the order page's "Decide for"):
    # the approver's id. Whether they may is portal.selectors.may_act_for's, asked by the view.
    decide_for = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # an id: larger numbers are no row, and no query should see them
        error_messages={
            "invalid": CHOOSE_APPROVER,
            "min_value": CHOOSE_APPROVER,
            "max_value": CHOOSE_APPROVER,
        },
    )

    def clean_communication(self) -> str:
        return self.cleaned_data["communication"] or Decision.Communication.DEFAULT


class LinkDecisionForm(forms.Form):
    """The reason typed on the page an e-mail's Approve / Reject link opens (the action is the
    link's). A CharField, as in DecisionForm: a NUL is refused beside the input."""

    reason = ReasonField()


class OrderIdsField(forms.Field):
    """Order ids from checkboxes (`order=12&order=15`), deduplicated, in the posted order."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one order.",
        "invalid": "Unknown order selected.",
        "too_many": f"Select at most {MAX_BULK_ORDERS} orders at a time.",
    }

    def to_python(self, value) -> list[int]:
        ids: list[int] = []
        for raw in value or []:
            text = str(raw).strip()
            if not text.isdigit() or len(text) > 18:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if int(text) not in ids:
                ids.append(int(text))
        return ids

    def validate(self, value: list[int]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_BULK_ORDERS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")


class BulkDecisionForm(DecisionForm):
    order = OrderIdsField()
    decide_for = None  # the inbox decides for the signed-in employee only


class DelegationForm(forms.Form):
    """A delegate and the days they cover, for oneself (the delegation page) or, by a tenant
    admin, for an employee (the employee's admin page). The rules are add_delegation's."""

    delegate = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        error_messages={
            "required": "Choose a colleague.",
            "invalid_choice": "Choose an active colleague.",
        },
    )
    starts_on = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="Until (inclusive)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, employee: Employee, **kwargs) -> None:
        """`employee`: whose delegate is named."""
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        # Any employee of the tenant is looked up, so that the service says why one may not be a
        # delegate (inactive, oneself); the list offers only those who may (delegate_choices).
        field.queryset = Employee.objects.filter(tenant_id=employee.tenant_id)
        field.choices = [("", "Choose a colleague…")] + [
            (c.pk, f"{c.full_name} · {c.department.name}" if c.department else c.full_name)
            for c in people.delegate_choices(employee)
        ]
