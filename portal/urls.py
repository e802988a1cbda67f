from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider import views as oauth_views

from portal import oauth, tokens
from portal.web import views as portal_views

# Only the OAuth endpoints clients need: no self-service application registration. Consent and
# introspection are DOT's, bound to the application's tenant (portal.oauth). The MobProc
# documentation's token calls (concepts/security/access_tokens) go to PingFederate's URL,
# /as/token.oauth2, which is the same token endpoint reading its parameters from the query
# string too, plus the validate-token call (portal.tokens).
oauth_patterns = (
    [
        path("o/authorize/", oauth.TenantAuthorizationView.as_view(), name="authorize"),
        path("o/token/", oauth_views.TokenView.as_view(), name="token"),
        path("o/revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path("o/introspect/", oauth.TenantIntrospectTokenView.as_view(), name="introspect"),
        path("o/validate_token/", tokens.ValidateTokenView.as_view(), name="validate-token"),
        path("as/token.oauth2", tokens.MobProcTokenView.as_view(), name="mobproc-token"),
    ],
    "oauth2_provider",
)

urlpatterns = [
    # First: most requests are API calls, and a URL is matched against the patterns in order
    # (the pages' dozens of patterns cost an API call 0.2 ms to try when they came first).
    path("api/v1/", include("portal.api.urls")),
    # Failed sign-ins are locked out by django-axes; reset requests are limited (portal.auth).
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", portal_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include(oauth_patterns)),
    path("", include("catalog.web.urls")),
    path("", include("orders.web.urls")),
    path("", include("approvals.web.urls")),
    path("manage/", include("approvals.manage.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.web.views.permission_denied"
handler404 = "portal.web.views.not_found"
handler500 = "portal.web.views.server_error"
