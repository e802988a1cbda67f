"""Every API route, under /api/v1/ in the `api` namespace."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from portal.api import attributes, hierarchies, people, views
from portal.api.errors import no_such_endpoint

app_name = "api"


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's Content-Security-Policy: its start-up script is fetched from
    this view (?script), not inline, and the page links its style (templates/portal/api)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    template_name = "portal/api/swagger_ui.html"


urlpatterns = [
    path("ping", views.PingView.as_view(), name="ping"),
    # The hottest routes first: a URL is tried against the patterns in order, and the orders'
    # were behind forty others (no two patterns here match one URL, so the order is free).
    path("", include("orders.api.urls")),
    path("", include("approvals.api.urls")),
    # GET for everyone; POST and PATCH, and everything below, for tenant admins.
    path("employees", people.EmployeeCollection.as_view(), name="employee-list"),
    path("employees/<int:pk>", people.EmployeeItem.as_view(), name="employee-detail"),
    path(
        "employees/<int:employee_pk>/delegations",
        people.DelegationList.as_view(),
        name="employee-delegation-list",
    ),
    path(
        "employees/<int:employee_pk>/delegations/<int:pk>",
        people.DelegationDetail.as_view(),
        name="employee-delegation-detail",
    ),
    path("departments", people.DepartmentList.as_view(), name="department-list"),
    path("departments/<int:pk>", people.DepartmentDetail.as_view(), name="department-detail"),
    path("approver-groups", people.ApproverGroupList.as_view(), name="approver-group-list"),
    path(
        "approver-groups/<int:pk>",
        people.ApproverGroupDetail.as_view(),
        name="approver-group-detail",
    ),
    path("hierarchies", hierarchies.HierarchyList.as_view(), name="hierarchy-list"),
    path("hierarchies/<int:pk>", hierarchies.HierarchyDetail.as_view(), name="hierarchy-detail"),
    path(
        "hierarchies/<int:pk>/lines", hierarchies.HierarchyLines.as_view(), name="hierarchy-lines"
    ),
    path(
        "employee-attributes",
        attributes.EmployeeAttributeList.as_view(),
        name="employee-attribute-list",
    ),
    path(
        "employee-attributes/<int:pk>",
        attributes.EmployeeAttributeDetail.as_view(),
        name="employee-attribute-detail",
    ),
    path("schema", SchemaView.as_view(), name="schema"),
    # The one page that widens the policy: Swagger UI's stylesheet draws its icons as data: URIs.
    path(
        "docs",
        csp_update({"img-src": ["data:"]})(DocsView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("", include("catalog.api.urls")),
    path("", include("catalog.api.diagnostics")),
    # Last: whatever matched nothing above answers the MobProc 404 (JSON even with DEBUG on).
    re_path(r"^(?P<path>.*)$", no_such_endpoint, name="no-such-endpoint"),
]
