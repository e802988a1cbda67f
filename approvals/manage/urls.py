"""Tenant admin pages (/manage/): the admin area, which configures every app.

It lives in approvals because that app sits on top and may use all the others; each page calls
the services of the app it configures.
"""

from django.urls import path

from approvals.manage import (
    dashboard,
    groups,
    notifications,
    offering,
    people,
    properties,
    workflows,
)

app_name = "manage"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # Approval workflows, their order and preview; the approver groups their steps name.
    path("workflows/", workflows.workflow_list, name="workflows"),
    path("workflows/new/", workflows.workflow_create, name="workflow-create"),
    path("workflows/preview/", workflows.workflow_preview, name="workflow-preview"),
    path("workflows/<int:pk>/", workflows.workflow_edit, name="workflow-edit"),
    path("workflows/<int:pk>/move/", workflows.workflow_move, name="workflow-move"),
    path("workflows/<int:pk>/delete/", workflows.workflow_delete, name="workflow-delete"),
    path("groups/", groups.group_list, name="groups"),
    path("groups/new/", groups.group_create, name="group-create"),
    path("groups/<int:pk>/", groups.group_edit, name="group-edit"),
    path("groups/<int:pk>/delete/", groups.group_delete, name="group-delete"),
    # Order properties per transaction type.
    path("properties/", properties.property_list, name="properties"),
    path("properties/groups/", properties.property_group_add, name="property-group-add"),
    path(
        "properties/groups/<int:pk>/delete/",
        properties.property_group_delete,
        name="property-group-delete",
    ),
    path(
        "properties/groups/<int:group_pk>/fields/new/",
        properties.property_field_create,
        name="property-field-create",
    ),
    path("properties/fields/<int:pk>/", properties.property_field_edit, name="property-field-edit"),
    path(
        "properties/fields/<int:pk>/delete/",
        properties.property_field_delete,
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
    path("catalog/", offering.catalog_availability, name="catalog"),
    path("notifications/", notifications.notification_settings, name="notifications"),
]
