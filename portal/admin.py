"""The admin is for platform operators, and for looking: what a service writes (with its checks,
history and audit) is read-only here, or kept off the form. State changes go through the
services (pages and API), never through a raw status field."""

from django.contrib import admin

from portal.models import (
    AuditEvent,
    Delegation,
    Department,
    Employee,
    EmployeeAttribute,
    EmployeeAttributeValue,
    EmployeeGroup,
    Hierarchy,
    OutboxMessage,
    RedeemedAuthorizationCode,
    ReportingLine,
    SignInEvent,
    Tenant,
)


class ReadOnlyMixin:
    """Shown, never added, changed or deleted here: a service owns these rows' writes."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A model whose rows a service writes: the admin only shows them."""


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """An inline of rows written elsewhere; the `fields` it lists are shown read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()


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
    # (De)activating is portal.services.update_employee's, with its checks.
    readonly_fields = ["status"]


class ReportingLineInline(ReadOnlyInline):
    """Managers are set by portal.services.set_manager (same tenant, no cycles)."""

    model = ReportingLine


@admin.register(Hierarchy)
class HierarchyAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "is_default"]
    list_filter = ["tenant"]
    inlines = [ReportingLineInline]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    """Written by portal.services.add_delegation / end_delegation (who may name whom)."""

    list_display = ["employee", "delegate", "starts_on", "ends_on", "tenant"]
    list_filter = ["tenant"]
    list_select_related = ["employee", "delegate", "tenant"]


@admin.register(EmployeeGroup)
class EmployeeGroupAdmin(ReadOnlyAdmin):
    """Written by portal.services.save_group / delete_group (members of the group's tenant)."""

    list_display = ["name", "tenant"]
    list_filter = ["tenant"]


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
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only: the outbox is written by services and drained by the sweep."""

    list_display = ["task_name", "args", "created_at", "published_at", "attempts"]
    list_filter = ["task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(RedeemedAuthorizationCode)
class RedeemedAuthorizationCodeAdmin(ReadOnlyAdmin):
    """Read-only: written by the token endpoint (portal.oauth), to revoke on a code replay."""

    list_display = ["application", "redeemed_at", "access_token_id", "token_family"]
    list_filter = ["application"]
    readonly_fields = [f.name for f in RedeemedAuthorizationCode._meta.fields]


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """The audit of refused sign-ins and of reset requests: read only, never deleted here."""

    list_display = ["at", "kind", "username", "ip_address", "client_id", "correlation_id", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address", "client_id", "correlation_id"]
    date_hierarchy = "at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit of configuration changes (portal.audit): read only; the database refuses to
    change or delete a row anyway."""

    list_display = [
        "created_at", "tenant", "target_type", "target_name", "action", "actor", "caller",
        "channel", "ip_address", "client_id",
    ]  # fmt: skip
    list_filter = ["tenant", "target_type", "action", "channel"]
    list_select_related = ["tenant", "actor", "caller"]
    search_fields = ["target_name", "correlation_id", "client_id"]
    date_hierarchy = "created_at"


class EmployeeAttributeValueInline(ReadOnlyInline):
    """The employees' values of a custom attribute: shown; tenant admins set them on the
    employee page, through portal.people.set_custom_attributes (valid values, audit)."""

    model = EmployeeAttributeValue
    fields = ["employee", "value"]


@admin.register(EmployeeAttribute)
class EmployeeAttributeAdmin(ReadOnlyAdmin):
    """Custom employee attributes (MobProc 1.1.0): a tenant's names and their valid values.
    Shown only: tenant admins define them (/manage/attributes/, /employee-attributes), through
    portal.people.save_attribute, which checks them and writes the audit trail."""

    list_display = ["name", "tenant"]
    list_filter = ["tenant"]
    search_fields = ["name"]
    list_select_related = ["tenant"]
    inlines = [EmployeeAttributeValueInline]
