"""Order properties per transaction type: the groups and fields orders ask for. The rules live in
orders.properties and orders.services; these views parse and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from catalog.models import TransactionType
from orders import properties
from orders.models import PropertyField, PropertyGroup
from portal.exceptions import RequestInvalid
from portal.web.pages import problems_by_field, tenant_admin_required

CHOICE_ROWS = 6  # choice rows offered without JavaScript (at least; blank ones are ignored)


def _properties_url(transaction_type: str, anchor: str = "") -> str:
    url = f"{reverse('manage:properties')}?{urlencode({'type': transaction_type})}"
    return f"{url}#{anchor}" if anchor else url


@tenant_admin_required
def property_list(request):
    chosen = request.GET.get("type", "")
    return _property_page(request, chosen)


def _property_page(request, chosen: str, *, group_id: str = "", group_problems=()):
    """The groups and fields of one transaction type, with tabs for the others."""
    tenant = request.employee.tenant
    if chosen not in TransactionType.values:
        chosen = TransactionType.ORDER_ACCESSORIES
    counts = dict(
        PropertyField.objects.filter(group__tenant=tenant)
        .values("group__transaction_type")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("group__transaction_type", "n")
    )
    types = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in TransactionType.choices
    ]
    context = {
        "types": types,
        "chosen": chosen,
        "chosen_label": TransactionType(chosen).label,
        "groups": properties.groups_for(tenant, chosen),
        "group_id": group_id,
        "group_errors": problems_by_field(group_problems),
    }
    return render(request, "orders/manage/property_list.html", context)


@require_POST
@tenant_admin_required
def property_group_add(request):
    transaction_type = request.POST.get("transaction_type", "")
    group_id = request.POST.get("group_id", "")
    try:
        group = properties.add_property_group(
            tenant=request.employee.tenant, actor=request.employee,
            transaction_type=transaction_type, group_id=group_id,
        )  # fmt: skip
    except RequestInvalid as error:
        return _property_page(
            request, transaction_type, group_id=group_id, group_problems=error.problems
        )
    messages.success(request, f"Added the group {group.group_id}. Now add its fields.")
    return redirect(_properties_url(group.transaction_type, f"group-{group.pk}"))


@tenant_admin_required
def property_group_delete(request, pk: int):
    group = get_object_or_404(
        PropertyGroup.objects.annotate(field_count=Count("fields")),
        tenant=request.employee.tenant,
        pk=pk,
    )
    if request.method == "POST":
        properties.delete_property_group(group=group, actor=request.employee)
        messages.success(request, f"Deleted the group {group.group_id}.")
        return redirect(_properties_url(group.transaction_type))
    back = _properties_url(group.transaction_type, f"group-{group.pk}")
    return render(
        request, "orders/manage/property_confirm_delete.html", {"group": group, "back": back}
    )


class PropertyFieldForm(forms.Form):
    """A property field's inputs (shape only: properties.save_property_field has the rules)."""

    field_id = forms.CharField(
        required=False, label="Id", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    label = forms.CharField(required=False)
    type = forms.CharField(required=False, widget=forms.Select(choices=PropertyField.Type.choices))
    required = forms.BooleanField(required=False)
    min_length = forms.IntegerField(required=False, label="Minimum length")
    max_length = forms.IntegerField(required=False, label="Maximum length")
    reg_ex = forms.CharField(required=False, label="Regular expression", strip=False)
    pattern = forms.CharField(required=False, label="Format hint")
    default_text = forms.CharField(required=False, label="Default value")

    @staticmethod
    def initial_of(field: PropertyField) -> dict:
        return {
            "field_id": field.field_id,
            "label": field.label,
            "type": field.type,
            "required": field.is_required,
            "min_length": field.min_length,
            "max_length": field.max_length,
            "reg_ex": field.reg_ex,
            "pattern": field.pattern,
            "default_text": field.default_text,
        }


def _choice_rows(posted: list[dict]) -> list[dict]:
    """The choice rows to show: those given, then blank ones up to CHOICE_ROWS (at least 2)."""
    blank = max(CHOICE_ROWS - len(posted), 2)
    rows = posted + [{"id": "", "label": "", "other": False}] * blank
    return [{**row, "index": index, "errors": {}} for index, row in enumerate(rows)]


def _posted_choices(post) -> list[dict]:
    rows, index = [], 0
    while f"choice-{index}-id" in post or f"choice-{index}-label" in post:
        row = {
            "id": post.get(f"choice-{index}-id", "").strip(),
            "label": post.get(f"choice-{index}-label", "").strip(),
            "other": post.get(f"choice-{index}-other") == "on",
        }
        if row["id"] or row["label"]:
            rows.append(row)
        index += 1
        if index >= 100:  # a bound on what one form may post
            break
    return rows


@tenant_admin_required
def property_field_create(request, group_pk: int):
    group = get_object_or_404(PropertyGroup, tenant=request.employee.tenant, pk=group_pk)
    return _field_form(request, group, None)


@tenant_admin_required
def property_field_edit(request, pk: int):
    field = get_object_or_404(
        PropertyField.objects.select_related("group"), group__tenant=request.employee.tenant, pk=pk
    )
    return _field_form(request, field.group, field)


def _field_form(request, group: PropertyGroup, field: PropertyField | None):
    choice_errors: list[str] = []
    if request.method == "POST":
        form = PropertyFieldForm(request.POST)
        choices = _posted_choices(request.POST)
        rows = _choice_rows(choices)
        if form.is_valid():
            data = form.cleaned_data
            entry = properties.PropertyFieldInput(
                field_id=data["field_id"],
                label=data["label"],
                type=data["type"],
                required=data["required"],
                min_length=data["min_length"],
                max_length=data["max_length"],
                pattern=data["pattern"],
                reg_ex=data["reg_ex"],
                default_text=data["default_text"],
                choices=tuple(
                    properties.ChoiceInput(row["id"], row["label"], row["other"]) for row in choices
                ),
            )
            try:
                saved = properties.save_property_field(
                    group=group, actor=request.employee, data=entry, field=field
                )
            except RequestInvalid as error:
                choice_errors = _show_field_problems(error.problems, form, rows)
            else:
                messages.success(request, f"Saved the field {saved.label}.")
                return redirect(_properties_url(group.transaction_type, f"group-{group.pk}"))
    else:
        initial = PropertyFieldForm.initial_of(field) if field else {"type": "TEXT"}
        form = PropertyFieldForm(initial=initial)
        existing = field.choices.all() if field else []
        rows = _choice_rows(
            [{"id": c.choice_id, "label": c.label, "other": c.is_other} for c in existing]
        )
    context = {
        "group": group,
        "field": field,
        "form": form,
        "choices": rows,
        "choice_errors": choice_errors,
        "type_label": TransactionType(group.transaction_type).label,
    }
    return render(request, "orders/manage/property_field_form.html", context)


def _show_field_problems(problems, form: PropertyFieldForm, rows: list[dict]) -> list[str]:
    """Put each problem beside its input; returns those about the choices as a whole."""
    choice_errors = []
    for path, found in problems_by_field(problems).items():
        if path == "choices":
            choice_errors += found
        elif path.startswith("choices["):
            index, _, name = path.removeprefix("choices[").partition("].")
            if index.isdigit() and int(index) < len(rows):
                rows[int(index)]["errors"][name] = found
        elif path in form.fields:
            for message in found:
                form.add_error(path, message)
        else:
            for message in found:
                form.add_error(None, message)
    return choice_errors


@tenant_admin_required
def property_field_delete(request, pk: int):
    field = get_object_or_404(
        PropertyField.objects.select_related("group"), group__tenant=request.employee.tenant, pk=pk
    )
    if request.method == "POST":
        properties.delete_property_field(field=field, actor=request.employee)
        messages.success(request, f"Deleted the field {field.label}.")
        return redirect(_properties_url(field.group.transaction_type, f"group-{field.group_id}"))
    back = _properties_url(field.group.transaction_type, f"group-{field.group_id}")
    return render(
        request, "orders/manage/property_confirm_delete.html", {"field": field, "back": back}
    )
