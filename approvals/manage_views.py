"""Tenant admin pages of the approvals app: dashboard, workflows, preview."""

from django.shortcuts import render

from portal.pages import tenant_admin_required


@tenant_admin_required
def dashboard(request):
    return render(request, "approvals/manage/dashboard.html", {})
