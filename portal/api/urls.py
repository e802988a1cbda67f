"""Every API route, under /api/v1/ in the `api` namespace."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from portal.api import views

app_name = "api"


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


urlpatterns = [
    path("ping", views.PingView.as_view(), name="ping"),
    path("me", views.MeView.as_view(), name="me"),
    path("employees", views.EmployeeList.as_view(), name="employee-list"),
    path("employees/<int:pk>", views.EmployeeDetail.as_view(), name="employee-detail"),
    path("schema", SchemaView.as_view(), name="schema"),
    path("docs", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include("catalog.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("approvals.api.urls")),
]
