"""Every API route, under /api/v1/ in the `api` namespace."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from portal.api import views
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
    path("employees", views.EmployeeList.as_view(), name="employee-list"),
    path("employees/<int:pk>", views.EmployeeDetail.as_view(), name="employee-detail"),
    path("schema", SchemaView.as_view(), name="schema"),
    # The one page that widens the policy: Swagger UI's stylesheet draws its icons as data: URIs.
    path(
        "docs",
        csp_update({"img-src": ["data:"]})(DocsView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("", include("catalog.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("approvals.api.urls")),
    # Last: whatever matched nothing above answers the MobProc 404 (JSON even with DEBUG on).
    re_path(r"^(?P<path>.*)$", no_such_endpoint, name="no-such-endpoint"),
]
