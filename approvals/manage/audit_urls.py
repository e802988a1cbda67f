"""The audit trail page (its CSV is the same page, `?format=csv`)."""

from django.urls import path

from approvals.manage import audit

urlpatterns = [
    path("", audit.audit_page, name="audit"),
]
