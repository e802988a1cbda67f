"""Guided forms for procuring a line: a new line, an upgrade of a line, a number ported in."""

from __future__ import annotations

from django.http import Http404

from portal.pages import employee_required


@employee_required
def new_line(request):
    raise Http404("Not built yet.")


@employee_required
def upgrade(request, pk: int):
    raise Http404("Not built yet.")


@employee_required
def port_number(request):
    raise Http404("Not built yet.")
