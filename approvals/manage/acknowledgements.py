"""Tenant admin page of acknowledgements (tutorials/acknowledgements): what each vendor asks
the employees to accept on a transfer of ownership. catalog.acknowledgements has the rules
and writes (audited); orders require the configured ones at once (orders.acknowledgements)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from catalog import acknowledgements
from catalog.models import Acknowledgement, TransactionType, Vendor
from portal.exceptions import RequestInvalid
from portal.web.pages import tenant_admin_required

# The inputs of the add form, by the field catalog.acknowledgements names in its problems.
INPUTS = {
    "vendor": "vendor",
    "transactionType": "transaction_type",
    "id": "ack_id",
    "label": "label",
    "validation": "validation",
    "position": "position",
}


@tenant_admin_required
def acknowledgement_list(request):
    tenant = request.employee.tenant
    typed = {name: "" for name in INPUTS.values()} | {"validation": "REQUIRED", "position": "0"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        typed = {name: request.POST.get(name, "").strip() for name in INPUTS.values()}
        try:
            saved = acknowledgements.save_acknowledgement(
                tenant=tenant,
                actor=request.employee,
                vendor_id=typed["vendor"],
                transaction_type=typed["transaction_type"],
                ack_id=typed["ack_id"],
                label=typed["label"],
                validation=typed["validation"],
                position=typed["position"],
            )
        except RequestInvalid as error:
            for problem in error.problems:
                errors.setdefault(INPUTS.get(problem.field, "form"), []).append(problem.message)
            status = 400
        else:
            messages.success(request, f"Added {saved.ack_id}: orders must acknowledge it now.")
            return redirect("manage:acknowledgements")
    context = {
        "rows": list(acknowledgements.configured(tenant)),
        "vendors": list(Vendor.objects.order_by("name")),
        "types": [t for t in TransactionType if t in acknowledgements.CONFIGURABLE],
        "validations": Acknowledgement.Validation.choices,
        "typed": typed,
        "errors": errors,
    }
    return render(request, "portal/manage/acknowledgement_list.html", context, status=status)


@tenant_admin_required
def acknowledgement_delete(request, pk: int):
    tenant = request.employee.tenant
    ack = get_object_or_404(Acknowledgement.objects.select_related("vendor"), tenant=tenant, pk=pk)
    if request.method == "POST":
        acknowledgements.delete_acknowledgement(tenant=tenant, actor=request.employee, pk=ack.pk)
        messages.success(request, f"Removed {ack.ack_id}.")
        return redirect("manage:acknowledgements")
    back = reverse("manage:acknowledgements")
    return render(
        request, "portal/manage/acknowledgement_confirm_delete.html", {"ack": ack, "back": back}
    )


urlpatterns = [
    path("", acknowledgement_list, name="acknowledgements"),
    path("<int:pk>/delete/", acknowledgement_delete, name="acknowledgement-delete"),
]
