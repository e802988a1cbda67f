"""Approval workflows (tenant configuration) and approval runs (one per order that needs one).

A workflow's step (ApprovalStep) holds its policy (StepPolicy: ANY / ALL / AT_LEAST N of its
sources approve, one rejection or a majority rejects, reminder and escalation delays in minutes)
and names its approver sources as child rows (ApprovalStepSource: a StepRule each, in order).
A run copies both: RunStep (the policy) and its RunSeats (one per source, with the approvers it
resolved to and its state). A Decision fills one seat (OneToOne: one per seat) of a step (FK,
for the lists that read decisions by step); a person counts once per step.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from catalog.models import Region
from orders.models import Order
from portal.models import Department, Employee, EmployeeGroup, Hierarchy, Tenant


class ApprovalWorkflow(models.Model):
    """A rule that matches orders, with the ordered steps that must approve them.

    A tenant's workflows are tried in priority order (lowest first); the first that matches
    decides, and an order no workflow matches needs no approval. Empty conditions match all.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=150)
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    transaction_types = models.JSONField(
        default=list, blank=True, help_text="Transaction types it applies to; empty: all."
    )
    onetime_cost_above = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    monthly_cost_above = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    reason_required_to_reject = models.BooleanField(default=True)
    reason_required_to_approve = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="workflow_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StepRule(models.Model):
    """One approver source of a step: whom it asks (the requester's manager N levels up, any
    member of a group, a named employee). A step names one or several sources (StepPolicy says
    how many of them must approve); configured on a workflow's step (ApprovalStepSource) and
    copied onto each run's step as its seats (RunSeat), so editing a workflow never changes
    approvals in flight. routing.approvers_for resolves a source to its approvers."""

    class Kind(models.TextChoices):
        MANAGER = "MANAGER", "The requester's manager, N levels up"
        GROUP = "GROUP", "Any member of an approver group"
        EMPLOYEE = "EMPLOYEE", "A named employee"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    manager_levels = models.PositiveSmallIntegerField(default=1)
    hierarchy = models.ForeignKey(
        Hierarchy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="For MANAGER sources; empty: the reporting line.",
    )  # fmt: skip
    group = models.ForeignKey(
        EmployeeGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    RULE_FIELDS = ("kind", "manager_levels", "hierarchy", "group", "employee")

    class Meta:
        abstract = True

    def describe(self) -> str:
        if self.kind == self.Kind.MANAGER:
            if self.manager_levels == 1:
                return "Requester's manager"
            return f"Requester's manager, {self.manager_levels} levels up"
        if self.kind == self.Kind.GROUP:
            return f"Approver group {self.group.name}" if self.group else "Approver group (deleted)"
        return self.employee.full_name if self.employee else "Named employee (deleted)"


class StepPolicy(models.Model):
    """How a step with several sources is decided, and how long it may wait.

    The sources run in parallel, each a seat one of its approvers decides. `rule`: ANY (one
    approval meets the step: the behaviour of a one-source step), ALL, or AT_LEAST `required`
    of them. `reject_when`: ANY (one rejection rejects the step, hence the order) or MAJORITY
    (more than half of the sources rejected). Whatever the rules, a step whose approvals can no
    longer reach what it needs is rejected (step_outcome). Delays are in minutes."""

    class Rule(models.TextChoices):
        ANY = "ANY", "Any one source approves"
        ALL = "ALL", "Every source approves"
        AT_LEAST = "AT_LEAST", "At least N sources approve"

    class RejectWhen(models.TextChoices):
        ANY = "ANY", "One rejection rejects"
        MAJORITY = "MAJORITY", "A majority of rejections rejects"

    rule = models.CharField(max_length=10, choices=Rule.choices, default=Rule.ANY)
    required = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For AT_LEAST: how many sources must approve."
    )
    reject_when = models.CharField(
        max_length=10, choices=RejectWhen.choices, default=RejectWhen.ANY
    )
    reminder_delay_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalation_delay_minutes = models.PositiveIntegerField(null=True, blank=True)

    POLICY_FIELDS = (
        "rule",
        "required",
        "reject_when",
        "reminder_delay_minutes",
        "escalation_delay_minutes",
    )

    class Meta:
        abstract = True

    def needed(self, sources: int) -> int:
        """How many of `sources` approvals meet the step."""
        return approvals_needed(self.rule, self.required, sources)

    def describe_rule(self, descriptions: list[str]) -> str:
        """A one-source step reads as its source; several: "2 of 3: Ada Lovelace, IT, ..."."""
        if len(descriptions) == 1:
            return descriptions[0]
        return f"{self.needed(len(descriptions))} of {len(descriptions)}: " + ", ".join(
            descriptions
        )


def approvals_needed(rule: str, required: int | None, sources: int) -> int:
    """How many approvals of a step's `sources` meet it, under its rule (StepPolicy.Rule)."""
    if rule == StepPolicy.Rule.ALL:
        return sources
    if rule == StepPolicy.Rule.AT_LEAST:
        return min(required or 1, sources)
    return 1


def step_outcome(
    policy: StepPolicy, *, sources: int, approvals: int, rejections: int
) -> str | None:
    """Where a step stands: "approved" (its rule is met), "rejected" (its rejection rule is
    met, or approvals can no longer reach what it needs), None: still open."""
    needed = policy.needed(sources)
    if approvals >= needed:
        return "approved"
    if policy.reject_when == StepPolicy.RejectWhen.MAJORITY:
        rejected = 2 * rejections > sources
    else:
        rejected = rejections >= 1
    undecided = sources - approvals - rejections
    if rejected or approvals + undecided < needed:
        return "rejected"
    return None


class ApprovalStep(StepPolicy):
    """One step of a workflow: its policy; whom it asks are its sources (ApprovalStepSource)."""

    workflow = models.ForeignKey(ApprovalWorkflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "position"], name="step_unique_position"),
            models.CheckConstraint(
                name="step_required_for_at_least",
                condition=~Q(rule="AT_LEAST") | Q(required__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} #{self.position}: {self.describe()}"

    def describe(self) -> str:
        return self.describe_rule([source.describe() for source in self.sources.all()])


class ApprovalStepSource(StepRule):
    """One approver source of a workflow step, in its position (from 1)."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "position"], name="step_source_unique_position"
            ),
            models.CheckConstraint(
                name="step_names_its_approvers",
                condition=Q(kind="MANAGER", manager_levels__gte=1)
                | Q(kind="GROUP", group__isnull=False)
                | Q(kind="EMPLOYEE", employee__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} source {self.position}: {self.describe()}"


class RunState(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # the order was cancelled while it waited for approval


class ApprovalRun(ConcurrentTransitionMixin, models.Model):
    """The approval of one order: its steps, decisions and automatic checks (seed 004)."""

    State = RunState

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="approval_run")
    workflow = models.ForeignKey(
        ApprovalWorkflow, on_delete=models.SET_NULL, null=True, related_name="runs"
    )
    workflow_name = models.CharField(max_length=150, help_text="As it was when the run began.")
    reason_required_to_reject = models.BooleanField(default=True)
    reason_required_to_approve = models.BooleanField(default=False)
    state = FSMField(default=RunState.PENDING, choices=RunState.choices, protected=True)
    # Automatic checks' outputs, as seed 004 records them: ValidateMakerAccess_Output,
    # ValidatePayload_Output, fulfilment call results...
    checks = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The admin dashboard: a tenant's runs waiting, and those that ended lately.
            models.Index(fields=["tenant", "state"], name="run_tenant_state"),
            models.Index(fields=["tenant", "ended_at"], name="run_tenant_ended"),
        ]

    def __str__(self) -> str:
        return f"Approval of order {self.order_id} ({self.state})"

    @transition(field=state, source=RunState.PENDING, target=RunState.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=RunState.PENDING, target=RunState.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=[RunState.PENDING, RunState.APPROVED], target=RunState.FAILED)
    def fail(self) -> None:
        """No one can approve, or fulfilment failed for good after approval."""

    @transition(field=state, source=RunState.PENDING, target=RunState.WITHDRAWN)
    def withdraw(self) -> None:
        """The order was cancelled before its approvers decided: nothing is left to decide."""


class RunStep(StepPolicy):
    """A workflow step as it runs for one order: its policy, copied; its seats (RunSeat), one
    per source, are resolved to approvers when it starts and decided in parallel. It moves once,
    when its policy is met or can no longer be (apply_decision)."""

    class State(models.TextChoices):
        WAITING = "waiting"  # a later step, not started
        ACTIVE = "active"
        APPROVED = "approved"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"  # was active when the order was cancelled

    run = models.ForeignKey(ApprovalRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    escalated_to_admins = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the next reminder / escalation is due; the beat sweep picks them up.
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="runstep_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.run} step {self.position}"

    @property
    def approvers(self) -> list[Employee]:
        """Who approves this step: its order's approver rows of its level. They are stored once,
        in orders.OrderApprover (orders.services.set_approvers), which the inbox and the order
        lists read too. Prefetch `run__order__approvers__employee` to read many steps at once."""
        order = self.run.order
        if "approvers" in getattr(order, "_prefetched_objects_cache", {}):
            rows = order.approvers.all()
        else:
            rows = order.approvers.select_related("employee")
        return [row.employee for row in rows if row.level == self.position]

    @property
    def decision(self) -> Decision | None:
        """The decision that decided the step (the last applied one of its seats, the one that
        met or broke its rule), else its only one. Prefetch `seats__decision`."""
        decisions = [s.decision for s in self.seats.all() if _seat_decision(s) is not None]
        applied = [d for d in decisions if d.applied_at is not None]
        if self.state in (self.State.APPROVED, self.State.REJECTED) and applied:
            return max(applied, key=lambda d: (d.applied_at, d.pk))
        return decisions[0] if len(decisions) == 1 else None


def _seat_decision(seat: RunSeat) -> Decision | None:
    try:
        return seat.decision
    except Decision.DoesNotExist:
        return None


class RunSeat(StepRule):
    """One source of a run's step as it runs: the approvers it resolved to (approvers_for, and
    those an escalation added), and its state. One of them decides it (its Decision: one per
    seat, the database says so); a person counts once per step."""

    class State(models.TextChoices):
        WAITING = "waiting"  # its step has not started
        OPEN = "open"
        APPROVED = "approved"
        REJECTED = "rejected"
        CLOSED = "closed"  # its step ended (met, rejected, withdrawn) before it was decided

    step = models.ForeignKey(RunStep, on_delete=models.CASCADE, related_name="seats")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    approvers = models.ManyToManyField(Employee, blank=True, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "position"], name="runseat_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.step} seat {self.position}"

    @property
    def answer(self) -> Decision | None:
        return _seat_decision(self)


class DecisionChannel(models.TextChoices):
    """Where a decision was sent from: the pages (inbox, order page, bulk), the API, or an
    e-mailed Approve / Reject link."""

    PAGE = "PAGE", "on the portal's pages"
    API = "API", "through the API"
    EMAIL_LINK = "EMAIL_LINK", "by e-mail link"


class Decision(models.Model):
    """An approver's decision on a seat of a step; stored before it is applied (by a task)."""

    Channel = DecisionChannel

    class Action(models.TextChoices):
        APPROVE = "APPROVE"
        REJECT = "REJECT"

    class Communication(models.TextChoices):
        DEFAULT = "Default"
        NONE = "None"

    step = models.ForeignKey(RunStep, on_delete=models.CASCADE, related_name="decisions")
    # The run's tenant, kept on the row: a tenant's recent decisions (the dashboard, analytics)
    # are read off one index instead of joining every step of every run to find its tenant.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    # One decision per seat (the database refuses a second); a step has one per seat decided.
    seat = models.OneToOneField(RunSeat, on_delete=models.CASCADE, related_name="decision")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True)
    communication = models.CharField(
        max_length=10, choices=Communication.choices, default=Communication.DEFAULT
    )
    # The eligible approver the decision counts for...
    decided_for = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    # ...and who really made it, when someone else did (a delegate, a tenant admin via context).
    decided_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=12, choices=DecisionChannel.choices)
    checker_access_valid = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # When the step reached its approvers, copied from it: a decision's wait (created_at minus
    # this) is read off the decision's own row, so the dashboard's weekly waits never join the
    # steps of every run.
    step_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # A person counts once per step, whatever seats they could fill.
            models.UniqueConstraint(fields=["step", "decided_for"], name="decision_once_per_step"),
        ]
        indexes = [
            # The waits (step_started_at to created_at) come off this index alone.
            models.Index(
                fields=["tenant", "created_at"],
                include=["step_started_at"],
                name="decision_tenant_created",
            ),
            # "Decided by me", newest first: made by them, and made for them by someone else
            # (approvals.web.inbox), counted and paged off these two indexes alone.
            models.Index(fields=["decided_by", "-created_at", "-id"], name="decision_by_newest"),
            models.Index(
                fields=["decided_for", "-created_at", "-id"],
                include=["decided_by"],
                name="decision_for_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.step}"


class DecisionAudit(models.Model):
    """Every decision attempt, accepted or refused. Append-only: the database itself refuses
    UPDATE and DELETE on this table (see the migration)."""

    Channel = DecisionChannel

    class Outcome(models.TextChoices):
        APPROVAL_QUEUED = "APPROVAL_QUEUED"
        REJECTION_QUEUED = "REJECTION_QUEUED"
        APPROVAL_NOT_NEEDED = "APPROVAL_NOT_NEEDED"
        NOT_READY_FOR_APPROVAL = "NOT_READY_FOR_APPROVAL"
        REFUSED = "REFUSED"

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    step_position = models.PositiveSmallIntegerField(null=True, blank=True)
    action = models.CharField(max_length=10)
    outcome = models.CharField(max_length=25, choices=Outcome.choices)
    refusal_code = models.CharField(max_length=50, blank=True)
    actor = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", help_text="Acting as."
    )
    caller = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who really called, when acting for someone else.",
    )  # fmt: skip
    client_id = models.CharField(max_length=100, blank=True)
    # NULL on attempts recorded before channels were: the table is append-only, so they were
    # not filled in afterwards (their client_id tells: "web", "email-link", else the API's).
    channel = models.CharField(  # noqa: DJ001 (NULL: not recorded, unlike any channel)
        max_length=12, choices=DecisionChannel.choices, null=True, blank=True
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    correlation_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The tenant's audit trail, newest first (approvals.audit), decisions and changes
            # merged: each half read in order off its own index.
            models.Index(fields=["tenant", "-created_at", "-id"], name="decision_audit_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"
