"""Custom employee attributes (MobProc 1.1.0): the names the tenant keeps on its employees and
the values each may take, one per line, added, edited and deleted here. The rules are
portal.people's (the API's /employee-attributes calls the same functions); the values
themselves are set on each person's page."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from portal import people
from portal.exceptions import RequestInvalid
from portal.models import EmployeeAttribute
from portal.web.pages import tenant_admin_required


def _attributes(request):
    return EmployeeAttribute.objects.filter(tenant=request.employee.tenant).annotate(
        held=Count("employee_values")
    )


def _errors(problems, text: str) -> dict[str, list[str]]:
    """The service's problems by input: `name`, and `valid_values` with the line of the
    textarea each is about (the service numbers the non-blank values only)."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    errors: dict[str, list[str]] = {}
    for problem in problems:
        field, _, index = problem.field.partition(".")
        message = problem.message
        if field == "valid_values" and index.isdigit() and int(index) < len(lines):
            message = f"Line {lines[int(index)]}: {message}"
        errors.setdefault(field if field in ("name", "valid_values") else "form", []).append(
            message
        )
    return errors


def _save(request, attribute: EmployeeAttribute | None):
    """Save the posted form; the saved attribute, or the errors by input."""
    name, text = request.POST.get("name", ""), request.POST.get("valid_values", "")
    try:
        saved = people.save_attribute(
            tenant=request.employee.tenant, actor=request.employee, name=name,
            valid_values=text.splitlines(), attribute=attribute,
        )  # fmt: skip
    except RequestInvalid as error:
        return None, {"name": name, "valid_values": text}, _errors(error.problems, text)
    return saved, None, None


def _list_page(request, *, typed=None, errors=None, status: int = 200):
    context = {
        "attributes": list(_attributes(request)),
        "typed": typed or {"name": "", "valid_values": ""},
        "errors": errors or {},
    }
    return render(request, "portal/manage/attribute_list.html", context, status=status)


@tenant_admin_required
def attribute_list(request):
    if request.method != "POST":
        return _list_page(request)
    saved, typed, errors = _save(request, None)
    if saved is None:
        return _list_page(request, typed=typed, errors=errors, status=400)
    messages.success(request, f"Added the attribute {saved.name}.")
    return redirect("manage:attributes")


@tenant_admin_required
def attribute_edit(request, pk: int):
    attribute = get_object_or_404(_attributes(request), pk=pk)
    typed = {"name": attribute.name, "valid_values": "\n".join(attribute.choices)}
    errors, status = {}, 200
    if request.method == "POST":
        saved, typed, errors = _save(request, attribute)
        if saved is not None:
            messages.success(request, f"Saved the attribute {saved.name}.")
            return redirect("manage:attributes")
        status = 400
    context = {"attribute": attribute, "typed": typed, "errors": errors}
    return render(request, "portal/manage/attribute_form.html", context, status=status)


@tenant_admin_required
def attribute_delete(request, pk: int):
    attribute = get_object_or_404(_attributes(request), pk=pk)
    if request.method == "POST":
        people.delete_attribute(attribute=attribute, actor=request.employee)
        messages.success(request, f"Deleted the attribute {attribute.name}.")
        return redirect("manage:attributes")
    return render(request, "portal/manage/attribute_confirm_delete.html", {"attribute": attribute})


urlpatterns = [
    path("", attribute_list, name="attributes"),
    path("<int:pk>/", attribute_edit, name="attribute-edit"),
    path("<int:pk>/delete/", attribute_delete, name="attribute-delete"),
]
