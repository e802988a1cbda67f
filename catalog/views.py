"""Catalog pages."""

from django.shortcuts import render

from catalog import selectors
from portal.pages import employee_required


@employee_required
def accessory_list(request):
    accessories = selectors.accessories_offered(request.employee.tenant)
    return render(request, "catalog/accessory_list.html", {"accessories": accessories})
