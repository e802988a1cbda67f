"""The Django admin opens every page it registers, and leaves what services write read-only
(state changes go through the services, never the admin: ../shared/STYLE.md)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from approvals.models import ApprovalRun, DecisionAudit
from orders.models import Notification, NotificationSetting, Order, PropertyField, PropertyGroup
from portal import services as people
from portal.models import (
    Delegation,
    EmployeeGroup,
    OAuthApplication,
    OutboxMessage,
    RedeemedAuthorizationCode,
    SignInEvent,
)

OUR_APPS = {"portal", "catalog", "orders", "approvals"}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
# Rows whose writes a service owns (with its checks, history or audit): looked at, never
# added, changed or deleted in the admin.
READ_ONLY = [
    Order, Notification, NotificationSetting, PropertyGroup, PropertyField, ApprovalRun,
    DecisionAudit, Delegation, EmployeeGroup, OutboxMessage, SignInEvent,
    RedeemedAuthorizationCode,
]  # fmt: skip


@pytest.fixture
def world(demo, submitted_order, api_for, peter, sam, maria, django_capture_on_commit_callbacks):
    """The demo, plus a row of each of our models it lacks: an order routed to maria and
    decided by her (run, steps, notifications, outbox, decision audit), a delegation, a
    refused sign-in, a redeemed authorization code and a notification switch."""
    order = submitted_order(externalOrderNumber="ADMIN-1")
    with django_capture_on_commit_callbacks(execute=True):
        api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
    today = datetime.date.today()
    people.add_delegation(employee=peter, delegate=sam, starts_on=today, ends_on=today, actor=peter)
    SignInEvent.objects.create(kind=SignInEvent.Kind.SIGN_IN_FAILED, username="nobody")
    RedeemedAuthorizationCode.objects.create(
        code_checksum="0" * 64, application=OAuthApplication.objects.first()
    )
    NotificationSetting.objects.get_or_create(
        tenant=peter.tenant, event=Notification.Event.ORDER_SHIPPED, defaults={"enabled": False}
    )
    return order


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=[m._meta.label for m in REGISTERED])
def test_every_admin_page_opens_for_a_superuser(world, superuser, model):
    # The list opens
    assert superuser.get(admin_url(model, "changelist")).status_code == 200
    # With the filters' counts shown (the "Show counts" link).
    assert superuser.get(admin_url(model, "changelist") + "?_facets=True").status_code == 200

    # and so does the page of a row (our apps always have one here)
    row = model._default_manager.order_by("pk").first()
    if row is None:
        assert model._meta.app_label not in OUR_APPS, f"no {model._meta.label} to open"
        return
    assert superuser.get(admin_url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize("model", READ_ONLY, ids=[m._meta.label for m in READ_ONLY])
def test_rows_a_service_writes_are_read_only_in_the_admin(world, superuser, model):
    row = model._default_manager.order_by("pk").first()
    model_admin = admin.site._registry[model]
    request = superuser.get(admin_url(model, "changelist")).wsgi_request

    assert model_admin.has_view_permission(request, row)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert superuser.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=row.pk).exists()


def test_status_fields_are_read_only_where_the_row_can_be_edited(world, superuser):
    # Employees and lines are edited in the admin, but (de)activating an employee and
    # suspending a line are the services'.
    from catalog.models import ServiceAsset
    from portal.models import Employee

    request = superuser.get("/admin/").wsgi_request
    for model in (Employee, ServiceAsset):
        row = model.objects.order_by("pk").first()
        assert "status" in admin.site._registry[model].get_readonly_fields(request, row)
