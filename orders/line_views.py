"""Line pages: a line with its device, plan and open orders, and the care actions its status
allows (suspend, resume, deactivate, change features, swap devices)."""

from __future__ import annotations

from django.http import Http404

from portal.pages import employee_required


@employee_required
def line_detail(request, pk: int):
    raise Http404("Not built yet.")


@employee_required
def care_action(request, pk: int, action: str):
    raise Http404("Not built yet.")
