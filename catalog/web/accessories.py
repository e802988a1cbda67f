"""Catalog pages: the accessories that fit the device of one of the employee's lines."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode

from catalog import selectors
from catalog.models import TransactionType
from catalog.web.display import mark_placeholder
from portal.ids import is_id
from portal.web.pages import employee_required

PAGE_SIZE = 25
SORTS = {
    "name": ("name", "id"),
    "price": ("price_amount", "name", "id"),
    "-price": ("-price_amount", "name", "id"),
}


@employee_required
def accessory_list(request):
    """`?service=<line>&q=&manufacturer=&sort=name|price|-price&page=`; the line defaults to
    the one the cart is for, else the employee's first line."""
    employee = request.employee
    services = selectors.services_visible_to(employee)
    lines = list(services.filter(account_holder=employee))
    cart = request.session.get("cart") or {}
    wanted = request.GET.get("service", "").strip()
    if wanted:
        if not is_id(wanted):
            raise Http404("No such line.")
        service = next((line for line in lines if line.pk == int(wanted)), None)
        if service is None:
            # A tenant admin may order for anyone's line (the order request allows it too).
            service = services.filter(pk=int(wanted)).first()
            if service is None:
                raise Http404("No such line.")
            lines.append(service)
    else:
        in_cart = str(cart.get("serviceId") or "")
        service = next((line for line in lines if str(line.pk) == in_cart), None)
        service = service or (lines[0] if lines else None)

    device = getattr(service, "device", None) if service else None
    if device is not None and device.device is None:
        device = None  # a make the catalog does not have: no accessory is known to fit it
    sort = request.GET.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    query = request.GET.get("q", "").strip()
    manufacturer = request.GET.get("manufacturer", "").strip()
    manufacturers, page = [], None
    if device is not None:
        fitting = selectors.accessories_fitting(employee.tenant, device.device)
        manufacturers = list(
            fitting.order_by("manufacturer__name")
            .values_list("manufacturer_id", "manufacturer__name")
            .distinct()
        )
        accessories = fitting
        if query:
            accessories = accessories.filter(name__icontains=query)
        if manufacturer:
            accessories = accessories.filter(manufacturer_id=manufacturer)
        page = Paginator(accessories.order_by(*SORTS[sort]), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        for accessory in page.object_list:
            mark_placeholder(accessory, accessory.manufacturer)

    in_cart_ids = set()
    if service is not None and str(cart.get("serviceId")) == str(service.pk):
        in_cart_ids = {int(i) for i in cart.get("accessoryIds", []) if is_id(str(i))}
    filters = {"service": service.pk if service else "", "q": query, "manufacturer": manufacturer}
    context = {
        "lines": lines,
        "service": service,
        "device": device,
        "can_order": bool(service) and TransactionType.ORDER_ACCESSORIES in service.order_actions,
        "page": page,
        "accessories": page.object_list if page else [],
        "manufacturers": manufacturers,
        "filters": {**filters, "sort": sort},
        "filtered": bool(query or manufacturer),
        "query_string": urlencode({k: v for k, v in {**filters, "sort": sort}.items() if v}),
        "sorts": [
            ("name", "Name"),
            ("price", "Price: low to high"),
            ("-price", "Price: high to low"),
        ],
        "in_cart_ids": in_cart_ids,
        "other_cart": bool(cart.get("accessoryIds"))
        and service is not None
        and str(cart.get("serviceId")) != str(service.pk),
    }
    return render(request, "catalog/accessory_list.html", context)
