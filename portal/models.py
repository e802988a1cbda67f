"""Tenants, their people and how those people relate (hierarchies, delegations), OAuth clients."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AbstractApplication


class TracksUpdates:
    """For a model with `updated_at = DateTimeField(auto_now=True)` (MobProc's `updated`): a
    save of some fields only (`update_fields`) stores the new time too, so that every change
    made through save() moves it, however narrow. Writes by QuerySet.update() set it
    themselves."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        return super().save(*args, **kwargs)


class Tenant(models.Model):
    """A customer company. Every business row belongs to exactly one tenant."""

    slug = models.SlugField(unique=True, help_text="Sent by API clients in X-TNGO-TENANT.")
    name = models.CharField(max_length=200)
    upgrade_eligibility_months = models.PositiveSmallIntegerField(
        default=24, help_text="How long after a device upgrade a line may be upgraded again."
    )
    email_link_decisions_without_sign_in = models.BooleanField(
        "Decisions from approval e-mails without signing in",
        default=False,
        help_text="Off: an approval e-mail's Approve / Reject link works only for its approver, "
        "signed in. On: whoever opens the link may confirm the decision, as the approver.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class EmployeeQuerySet(models.QuerySet):
    def active(self) -> EmployeeQuerySet:
        return self.filter(status=Employee.Status.ACTIVE)

    def with_department(self) -> EmployeeQuerySet:
        return self.select_related("department")


class Employee(TracksUpdates, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        INACTIVE = "INACTIVE"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="employees")
    company_employee_id = models.CharField(
        max_length=150, help_text="Assigned by the tenant, e.g. an e-mail address."
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    office_phone = models.CharField(max_length=40, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="employees"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
    )
    is_tenant_admin = models.BooleanField(
        default=False,
        help_text="Configures workflows, properties and catalog; may act for any employee.",
    )

    # The row's last change (MobProc 1.2.0 `updated`, `dateTimeUpdatedOnOrAfter`).
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="employee_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "company_employee_id"], name="employee_unique_company_id"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class EmployeeAttribute(models.Model):
    """A custom attribute a tenant keeps on its employees (MobProc 1.1.0 "Custom Employee
    Attributes"): a name and, when the tenant restricts it, the values it may take."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="employee_attributes")
    name = models.CharField(max_length=100)
    valid_values = models.TextField(
        blank=True, help_text="One value per line; empty: any text up to 255 characters."
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="employee_attribute_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def choices(self) -> list[str]:
        """The values the attribute may take, in the tenant's order ([]: any text)."""
        return [line.strip() for line in self.valid_values.splitlines() if line.strip()]


class EmployeeAttributeValue(models.Model):
    """One employee's value of one of their tenant's custom attributes."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="attributes")
    attribute = models.ForeignKey(
        EmployeeAttribute, on_delete=models.CASCADE, related_name="employee_values"
    )
    value = models.CharField(max_length=255)

    class Meta:
        ordering = ["attribute__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "attribute"], name="employee_attribute_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.value}"


class Hierarchy(models.Model):
    """A named organisational hierarchy; each gives an employee's manager."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="hierarchies")
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False, help_text="The reporting line.")

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "hierarchies"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="hierarchy_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="hierarchy_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportingLine(models.Model):
    """Employee -> manager within one hierarchy."""

    hierarchy = models.ForeignKey(Hierarchy, on_delete=models.CASCADE, related_name="lines")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hierarchy", "employee"], name="reporting_line_one_manager"
            ),
            models.CheckConstraint(
                condition=~Q(employee=models.F("manager")), name="reporting_line_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} -> {self.manager} ({self.hierarchy})"


class DelegationQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> DelegationQuerySet:
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on, ends_on__gte=on)


class Delegation(models.Model):
    """While `employee` is away, `delegate` may act (and decide) in their place."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="delegations")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="delegated_to")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(employee=models.F("delegate")), name="delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.employee} ({self.starts_on}..{self.ends_on})"


class OAuthApplication(AbstractApplication):
    """An OAuth 2 client registered for one tenant.

    django-oauth-toolkit gives an application a single grant type; Procure clients need several
    (the MobProc seeds log in with the password or implicit grant, newer clients use the
    authorization code with PKCE, integrations use client credentials). `authorization_grant_type`
    stays the primary grant and the flags below enable more. The password and implicit grants are
    discouraged by RFC 9700, so they are off unless enabled per application on purpose.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="oauth_applications")
    allow_authorization_code = models.BooleanField(default=True)
    allow_client_credentials = models.BooleanField(default=False)
    allow_password = models.BooleanField(
        default=False, help_text="Resource Owner Password Credentials (deliberate exception)."
    )
    allow_implicit = models.BooleanField(
        default=False, help_text="Implicit grant (deliberate exception)."
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def enabled_grant_types(self) -> set[str]:
        enabled = {self.authorization_grant_type}
        flags = {
            self.GRANT_AUTHORIZATION_CODE: self.allow_authorization_code,
            self.GRANT_CLIENT_CREDENTIALS: self.allow_client_credentials,
            self.GRANT_PASSWORD: self.allow_password,
            self.GRANT_IMPLICIT: self.allow_implicit,
        }
        enabled.update(grant for grant, on in flags.items() if on)
        # Client credentials need a secret to authenticate with.
        if self.client_type != self.CLIENT_CONFIDENTIAL:
            enabled.discard(self.GRANT_CLIENT_CREDENTIALS)
        return enabled

    def allows_grant_type(self, *grant_types: str) -> bool:
        return bool(self.enabled_grant_types() & set(grant_types))


class RedeemedAuthorizationCode(models.Model):
    """An authorization code exchanged for tokens, and the tokens it produced.

    django-oauth-toolkit deletes the code's Grant once exchanged and links no token to it, so a
    replay could only be refused. With this record a replay also revokes what the code issued
    (RFC 6749 §4.1.2): the access token and the family of its refresh token, rotations included.
    Written and read by portal.oauth; the code is kept as a SHA-256 checksum, never in clear.
    """

    code_checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(OAuthApplication, on_delete=models.CASCADE, related_name="+")
    # Ids, not foreign keys: the tokens are deleted when revoked or rotated, the record stays.
    access_token_id = models.BigIntegerField(null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, help_text="Of its refresh tokens.")
    redeemed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-redeemed_at"]

    def __str__(self) -> str:
        return f"code redeemed by {self.application_id} at {self.redeemed_at:%Y-%m-%d %H:%M}"


class EmployeeGroup(models.Model):
    """A named group of a tenant's employees, e.g. "IT": any one member may decide a step
    assigned to the group."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="employee_groups")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Employee, blank=True, related_name="employee_groups")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="employee_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A unit of pending work: a Celery task stored in the transaction that needs it.

    The row, not the broker message, is the record that work is pending. It is published after
    commit (the message is only a nudge) and stays pending until the task has run to the end
    (`done_at`). Whatever happens in between (the broker down or restarted empty, a worker
    killed with the message in hand), the periodic sweep publishes it again once `due_at` has
    passed. Tasks are idempotent, so a message delivered twice does no harm.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the sweep publishes it (again) unless it is done by then.
    due_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Last published.")
    attempts = models.PositiveIntegerField(default=0, help_text="Times published.")
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(done_at__isnull=True), name="outbox_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class SignInEvent(models.Model):
    """A refused way in, for the audit: a failed sign-in (the sign-in page or the OAuth password
    grant), the failure that locked a username out, an attempt refused while it is locked out,
    and every password reset request, taken or refused. Written by portal.auth; the reset limit
    counts from it; pruned after SIGN_IN_EVENT_DAYS. Never holds a password."""

    class Kind(models.TextChoices):
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        REFUSED_LOCKED_OUT = "refused_locked_out", "Refused while locked out"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET_REFUSED = "password_reset_refused", "Password reset refused (limit)"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    # What was typed: a username, or the e-mail address of a reset request.
    username = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    client_id = models.CharField(max_length=100, blank=True, help_text="OAuth application.")
    correlation_id = models.CharField(max_length=100, blank=True)
    path = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["kind", "username", "at"], name="sign_in_event_by_username"),
            models.Index(fields=["kind", "ip_address", "at"], name="sign_in_event_by_address"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username or '-'} from {self.ip_address or '-'}"


class AuditEvent(models.Model):
    """A change to a tenant's configuration (groups, people, delegations, order properties,
    the catalog offering, notification switches, workflows, hierarchies): who made it, from
    where, and the target as it was before and after. Written by portal.audit.record_change,
    called by the services. Append-only: the database itself refuses UPDATE and DELETE on this
    table (see the migration)."""

    class Action(models.TextChoices):
        CREATED = "CREATED", "created"
        UPDATED = "UPDATED", "updated"
        DELETED = "DELETED", "deleted"

    class Channel(models.TextChoices):
        PAGE = "PAGE", "on the portal's pages"
        API = "API", "through the API"
        ADMIN = "ADMIN", "in the Django admin"
        SYSTEM = "SYSTEM", "by the system (tasks, shell)"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who made the change (acting as); empty for the system.",
    )  # fmt: skip
    caller = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who really called, when acting for someone else.",
    )  # fmt: skip
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    client_id = models.CharField(max_length=100, blank=True)
    correlation_id = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    # What was changed: a label such as "approver group", its id, and its name as it was.
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=50, blank=True)
    target_name = models.CharField(max_length=255, blank=True)
    # The fields that changed (an update), or all of them (created: after; deleted: before).
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                "tenant", models.F("created_at").desc(), models.F("id").desc(),
                name="audit_event_list",
            ),
            models.Index(
                "tenant", "target_type", models.F("created_at").desc(), name="audit_event_by_type"
            ),
            models.Index(
                "tenant", "actor", models.F("created_at").desc(), name="audit_event_by_actor"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.target_type} {self.action}"
