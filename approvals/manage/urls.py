"""Tenant admin pages (/manage/): the admin area, which configures every app.

It lives in approvals because that app sits on top and may use all the others; each page calls
the services of the app it configures. Each section's pages are listed once under its prefix.
"""

from django.urls import include, path

from approvals.manage import (
    dashboard,
    groups,
    impact,
    notifications,
    offering,
    people,
    properties,
    workflows,
)

# Approval workflows, their order and preview; the approver groups their steps name.
workflow_patterns = [
    path("", workflows.workflow_list, name="workflows"),
    path("new/", workflows.workflow_create, name="workflow-create"),
    path("preview/", workflows.workflow_preview, name="workflow-preview"),
    path("impact/", impact.workflow_impact, name="workflow-impact"),
    path("<int:pk>/", workflows.workflow_edit, name="workflow-edit"),
    path("<int:pk>/move/", workflows.workflow_move, name="workflow-move"),
    path("<int:pk>/delete/", workflows.workflow_delete, name="workflow-delete"),
]
group_patterns = [
    path("", groups.group_list, name="groups"),
    path("new/", groups.group_form, name="group-create"),
    path("<int:pk>/", groups.group_form, name="group-edit"),
    path("<int:pk>/delete/", groups.group_delete, name="group-delete"),
]
# Order properties per transaction type.
property_patterns = [
    path("", properties.property_list, name="properties"),
    path("groups/", properties.property_group_add, name="property-group-add"),
    path("groups/<int:pk>/delete/", properties.property_group_delete, name="property-group-delete"),
    path(
        "groups/<int:group_pk>/fields/new/",
        properties.property_field_create,
        name="property-field-create",
    ),
    path("fields/<int:pk>/", properties.property_field_edit, name="property-field-edit"),
    path("fields/<int:pk>/delete/", properties.property_field_delete, name="property-field-delete"),
]
# People: employees, their managers and delegates.
employee_patterns = [
    path("", people.employee_list, name="employees"),
    path("new/", people.employee_create, name="employee-create"),
    path("<int:pk>/", people.employee_edit, name="employee"),
    path("<int:pk>/delegations/", people.delegation_add, name="employee-delegation-add"),
    path(
        "<int:pk>/delegations/<int:delegation_pk>/end/",
        people.delegation_end,
        name="employee-delegation-end",
    ),
]

app_name = "manage"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("analytics/", include("approvals.manage.analytics_urls")),
    path("audit/", include("approvals.manage.audit_urls")),
    path("workflows/", include(workflow_patterns)),
    path("groups/", include(group_patterns)),
    path("properties/", include(property_patterns)),
    path("employees/", include(employee_patterns)),
    path("departments/", include("approvals.manage.departments")),
    path("attributes/", include("approvals.manage.attributes")),
    path("hierarchies/", include("approvals.manage.hierarchies")),
    # What the tenant offers, and which notifications it sends.
    path("catalog/", offering.catalog_availability, name="catalog"),
    path("notifications/", notifications.notification_settings, name="notifications"),
    path("acknowledgements/", include("approvals.manage.acknowledgements")),
]
