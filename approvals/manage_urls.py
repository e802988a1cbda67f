"""Tenant admin pages (/manage/): one URL module for the admin area, which spans every app.

It lives in approvals because that app sits on top and may use all the others.
"""

from django.urls import path

from approvals import manage_views as approvals
from catalog import manage_views as catalog
from orders import manage_views as orders
from portal import manage_views as people

app_name = "manage"

urlpatterns = [
    path("", approvals.dashboard, name="dashboard"),
    # Approval workflows, their order and preview; the approver groups their steps name.
    path("workflows/", approvals.workflow_list, name="workflows"),
    path("workflows/new/", approvals.workflow_create, name="workflow-create"),
    path("workflows/preview/", approvals.workflow_preview, name="workflow-preview"),
    path("workflows/<int:pk>/", approvals.workflow_edit, name="workflow-edit"),
    path("workflows/<int:pk>/move/", approvals.workflow_move, name="workflow-move"),
    path("workflows/<int:pk>/delete/", approvals.workflow_delete, name="workflow-delete"),
    path("groups/", approvals.group_list, name="groups"),
    path("groups/new/", approvals.group_create, name="group-create"),
    path("groups/<int:pk>/", approvals.group_edit, name="group-edit"),
    path("groups/<int:pk>/delete/", approvals.group_delete, name="group-delete"),
    # Order properties per transaction type.
    path("properties/", orders.property_list, name="properties"),
    path("properties/groups/", orders.property_group_add, name="property-group-add"),
    path(
        "properties/groups/<int:pk>/delete/",
        orders.property_group_delete,
        name="property-group-delete",
    ),
    path(
        "properties/groups/<int:group_pk>/fields/new/",
        orders.property_field_create,
        name="property-field-create",
    ),
    path("properties/fields/<int:pk>/", orders.property_field_edit, name="property-field-edit"),
    path(
        "properties/fields/<int:pk>/delete/",
        orders.property_field_delete,
        name="property-field-delete",
    ),
    # People: employees, their managers and delegates.
    path("employees/", people.employee_list, name="employees"),
    path("employees/<int:pk>/", people.employee_edit, name="employee"),
    path("employees/<int:pk>/delegations/", people.delegation_add, name="employee-delegation-add"),
    path(
        "employees/<int:pk>/delegations/<int:delegation_pk>/end/",
        people.delegation_end,
        name="employee-delegation-end",
    ),
    # What the tenant offers, and which notifications it sends.
    path("catalog/", catalog.catalog_availability, name="catalog"),
    path("notifications/", orders.notification_settings, name="notifications"),
]
