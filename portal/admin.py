from django.contrib import admin

from portal.models import (
    Delegation,
    Department,
    Employee,
    EmployeeGroup,
    Hierarchy,
    OutboxMessage,
    RedeemedAuthorizationCode,
    ReportingLine,
    SignInEvent,
    Tenant,
)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant"]
    list_filter = ["tenant"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["full_name", "company_employee_id", "tenant", "department", "status",
                    "is_tenant_admin"]  # fmt: skip
    list_filter = ["tenant", "status", "is_tenant_admin"]
    search_fields = ["first_name", "last_name", "email", "company_employee_id"]
    list_select_related = ["tenant", "department"]
    raw_id_fields = ["user"]


class ReportingLineInline(admin.TabularInline):
    model = ReportingLine
    raw_id_fields = ["employee", "manager"]
    extra = 0


@admin.register(Hierarchy)
class HierarchyAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "is_default"]
    list_filter = ["tenant"]
    inlines = [ReportingLineInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["employee", "delegate", "starts_on", "ends_on", "tenant"]
    list_filter = ["tenant"]
    raw_id_fields = ["employee", "delegate"]


@admin.register(EmployeeGroup)
class EmployeeGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant"]
    list_filter = ["tenant"]
    filter_horizontal = ["members"]


class OAuthApplicationAdmin(admin.ModelAdmin):
    """Registering API clients is a platform operator's job (no self-service registration).
    django-oauth-toolkit registers it (OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"])."""

    list_display = ["name", "client_id", "tenant", "client_type", "allow_authorization_code",
                    "allow_client_credentials", "allow_password", "allow_implicit"]  # fmt: skip
    list_filter = ["tenant", "client_type"]
    search_fields = ["name", "client_id"]
    fields = ["tenant", "name", "client_id", "client_secret", "client_type",
              "authorization_grant_type", "allow_authorization_code", "allow_client_credentials",
              "allow_password", "allow_implicit", "redirect_uris", "skip_authorization",
              "algorithm"]  # fmt: skip


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services and drained by the sweep."""

    list_display = ["task_name", "args", "created_at", "published_at", "attempts"]
    list_filter = ["task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RedeemedAuthorizationCode)
class RedeemedAuthorizationCodeAdmin(admin.ModelAdmin):
    """Read-only: written by the token endpoint (portal.oauth), to revoke on a code replay."""

    list_display = ["application", "redeemed_at", "access_token_id", "token_family"]
    list_filter = ["application"]
    readonly_fields = [f.name for f in RedeemedAuthorizationCode._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The audit of refused sign-ins and of reset requests: read only."""

    list_display = ["at", "kind", "username", "ip_address", "client_id", "correlation_id", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address", "client_id", "correlation_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
