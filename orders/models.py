"""Orders, their vendor segments, items, history and shipments; the order state machine."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from catalog.models import (
    Accessory,
    Device,
    Feature,
    Manufacturer,
    Plan,
    PriceFields,
    Region,
    ServiceAsset,
    TransactionType,
    Vendor,
)
from portal.models import Employee, Hierarchy, Tenant, TracksUpdates


class OrderStatus(models.TextChoices):
    ORDER_SUBMITTED = "ORDER_SUBMITTED", "Submitted"
    AWAITING_APPROVAL = "AWAITING_APPROVAL", "Awaiting approval"
    APPROVED = "APPROVED", "Approved"
    REJECTED = "REJECTED", "Rejected"
    IN_FULFILLMENT = "IN_FULFILLMENT", "In fulfilment"
    SHIPPED = "SHIPPED", "Shipped"
    COMPLETE = "COMPLETE", "Complete"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


S = OrderStatus


class Order(TracksUpdates, ConcurrentTransitionMixin, models.Model):
    """One order of one transaction type, split into one segment per vendor.

    The model owns the life cycle graph (SPEC "Order life cycle"); orders.services owns the
    consequences: locking, history rows and tasks.
    """

    Status = OrderStatus
    CANCELLABLE = (S.ORDER_SUBMITTED, S.AWAITING_APPROVAL)

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="orders")
    # NULL, not "", when absent: the unique constraint must not treat absent numbers as equal.
    external_order_number = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # sha256 of the submitted orderRequest, normalized (orders.services.request_digest): a
    # resubmit under the same externalOrderNumber is a retry only when it matches. Empty for
    # orders stored before it was kept, and for orders the pages submit (their own numbers).
    request_digest = models.CharField(max_length=64, blank=True, default="")
    transaction_type = models.CharField(max_length=30, choices=TransactionType.choices)
    status = FSMField(default=S.ORDER_SUBMITTED, choices=S.choices, protected=True)
    requested_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    account_holder = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    # The signed-in person who really placed it, when acting on behalf of `requested_by`.
    placed_by = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client_id = models.CharField(max_length=100, blank=True)
    service = models.ForeignKey(
        ServiceAsset, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    # The number a transfer in brings in; for new lines, the number the carrier gave (an order
    # about a line, a PORT_NUMBER included, answers its line's number).
    service_number = models.CharField(max_length=30, blank=True)
    # What a transaction type asks for beyond its items, as its effect on the assets needs it:
    # existingDevice, newDevice, featureRequestComment, postalCode (validated, ids resolved).
    details = models.JSONField(default=dict, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The hierarchy the order was placed under (X-TNGO-CONTEXT-HIERARCHYID): the manager steps
    # of its approval climb it, unless a step names a hierarchy of its own. Empty: the tenant's
    # default (the reporting line).
    hierarchy = models.ForeignKey(
        Hierarchy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Submitted properties, with labels resolved: [{groupId, fields: [{id, label, type, ...}]}]
    properties = models.JSONField(default=list, blank=True)
    # {name, regionId, address: [{id, label, value}], expedite}
    ship_to = models.JSONField(null=True, blank=True)
    cost_onetime = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cost_monthly = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Resubmitting the same externalOrderNumber returns the stored order (idempotency).
            models.UniqueConstraint(
                fields=["tenant", "external_order_number"],
                condition=Q(external_order_number__isnull=False),
                name="order_unique_external_number",
            ),
        ]
        indexes = [
            # Lists are newest first: read in index order and stop after one page. With whose
            # order it is in the index, the visibility filter, its count and a deep page's
            # ids (portal.pagination) are read off the index alone, no row visited.
            models.Index(
                fields=["tenant", "-submitted_at", "-id"],
                include=["requested_by", "account_holder"],
                name="order_tenant_newest",
            ),
            models.Index(fields=["tenant", "status"]),
            models.Index(fields=["tenant", "requested_by"]),
            # The orders someone holds but did not request (selectors.count_visible_to).
            models.Index(
                fields=["tenant", "account_holder", "requested_by"], name="order_tenant_holder"
            ),
            models.Index(fields=["tenant", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk}"

    @property
    def maker_ids(self) -> frozenset[int]:
        """Who ordered, whom it is for, and who placed it for them: maker-checker keeps all of
        them from deciding it."""
        people = (self.requested_by_id, self.account_holder_id, self.placed_by_id)
        return frozenset(pk for pk in people if pk is not None)

    @property
    def is_cancellable(self) -> bool:
        return self.status in self.CANCELLABLE

    # --- Life cycle. No side effects here: see orders.services.transition_order. ---

    @transition(field=status, source=S.ORDER_SUBMITTED, target=S.AWAITING_APPROVAL)
    def await_approval(self) -> None:
        """Routing found a workflow: approvers must decide."""

    @transition(field=status, source=[S.ORDER_SUBMITTED, S.AWAITING_APPROVAL], target=S.APPROVED)
    def approve(self) -> None:
        """No workflow applies, or the last approval step approved."""

    @transition(field=status, source=S.AWAITING_APPROVAL, target=S.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=S.APPROVED, target=S.IN_FULFILLMENT)
    def send_to_vendors(self) -> None:
        pass

    @transition(field=status, source=S.IN_FULFILLMENT, target=S.SHIPPED)
    def ship(self) -> None:
        """Every segment has shipped."""

    @transition(field=status, source=[S.SHIPPED, S.IN_FULFILLMENT], target=S.COMPLETE)
    def complete(self) -> None:
        """Every segment is delivered, or (a care order shipping nothing) carried out."""

    @transition(field=status, source=[S.APPROVED, S.IN_FULFILLMENT], target=S.FAILED)
    def fail(self) -> None:
        """A vendor call failed for good."""

    @transition(field=status, source=list(CANCELLABLE), target=S.CANCELLED)
    def cancel(self) -> None:
        """The requester (or a tenant admin) withdraws it before it reaches the vendors."""


class OrderSegment(ConcurrentTransitionMixin, models.Model):
    """The part of an order that one vendor fulfils; it has its own status.

    Until the order reaches the vendors the segment follows the order's status (the same
    transition names); from then on its vendor moves it. The model owns that graph;
    orders.services locks the rows, calls the transition, saves and writes the history row.
    """

    PENDING = (S.ORDER_SUBMITTED, S.AWAITING_APPROVAL)  # not decided yet: follows the order

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="segments")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    # max_length as it always was: the column is unchanged.
    status = FSMField(default=S.ORDER_SUBMITTED, choices=S.choices, max_length=20, protected=True)
    vendor_reference = models.CharField(max_length=100, blank=True)
    # Fulfilment: calls made to the vendor, and the vendor's last answer (kept for the record).
    vendor_attempts = models.PositiveSmallIntegerField(default=0)
    vendor_response = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When to ask the vendor again about shipping/delivery (the beat sweep picks it up).
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "vendor"], name="segment_one_per_vendor"),
        ]

    def __str__(self) -> str:
        return f"Segment {self.pk} ({self.vendor})"

    @property
    def idempotency_key(self) -> str:
        """Sent with every submission of this segment: a vendor that receives it again (a
        retry after a timeout or a killed worker) answers the first submission, and ships once."""
        return f"procure-segment-{self.pk}"

    # --- Life cycle. No side effects here: see orders.services (transition_order follows the
    # order; submit_segment, _fail_segment and collect_progress move it with its vendor). ---

    @transition(field=status, source=S.ORDER_SUBMITTED, target=S.AWAITING_APPROVAL)
    def await_approval(self) -> None:
        """The order awaits approval."""

    @transition(field=status, source=list(PENDING), target=S.APPROVED)
    def approve(self) -> None:
        """The order is approved: the segment may go to its vendor."""

    # From either pending status: a segment follows its order's rejection or cancellation.
    @transition(field=status, source=list(PENDING), target=S.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=list(PENDING), target=S.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=S.APPROVED, target=S.IN_FULFILLMENT)
    def acknowledge(self) -> None:
        """The vendor took the segment in (its reference is on the row)."""

    @transition(field=status, source=S.APPROVED, target=S.FAILED)
    def fail(self) -> None:
        """The vendor refused it, or kept failing until it was given up on."""

    @transition(field=status, source=S.IN_FULFILLMENT, target=S.SHIPPED)
    def ship(self) -> None:
        """The vendor shipped it (a Shipment row holds the tracking number)."""

    @transition(field=status, source=S.SHIPPED, target=S.COMPLETE)
    def deliver(self) -> None:
        """Its parcel was delivered."""

    @transition(field=status, source=S.IN_FULFILLMENT, target=S.COMPLETE)
    def carry_out(self) -> None:
        """Nothing to ship (a care order): the carrier made the change to the line."""


class CarrierSubmission(models.Model):
    """The simulated carrier's own record of what it received (orders.fulfilment), as a real
    carrier keeps one on its side: one row per idempotency key, however often it was sent."""

    idempotency_key = models.CharField(max_length=100, unique=True)
    reference = models.CharField(max_length=100)
    times_received = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.idempotency_key}, received {self.times_received}x)"


class OrderItem(PriceFields):
    """One line of a segment. Name, price and image are copied at submit so the order keeps
    what was agreed even when the catalog changes later."""

    class Kind(models.TextChoices):
        ACCESSORY = "ACCESSORY"
        DEVICE = "DEVICE"
        PLAN = "PLAN"
        FEATURE = "FEATURE"

    class Action(models.TextChoices):
        """What the item does to the line: added (bought) or removed (a feature dropped)."""

        ADD = "ADD"
        REMOVE = "REMOVE"

    segment = models.ForeignKey(OrderSegment, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=6, choices=Action.choices, default=Action.ADD)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    image_url = models.URLField(blank=True)
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accessory = models.ForeignKey(
        Accessory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def ships(self) -> bool:
        """Goes in a parcel (features and plans are switched on by the carrier instead)."""
        return self.kind in SHIPPED_KINDS


SHIPPED_KINDS = frozenset({OrderItem.Kind.ACCESSORY, OrderItem.Kind.DEVICE})


class OrderHistory(models.Model):
    """One row per status change (and per notable event) of an order or one of its segments."""

    class Event(models.TextChoices):
        """Every event a history row records; the label is what the order's timeline shows.
        An order transition's event is the transition's name (orders.services.transition_order)."""

        SUBMIT = "submit", "Order submitted"
        # The order's transitions (Order.<name>)
        AWAIT_APPROVAL = "await_approval", "Approval needed"
        APPROVE = "approve", "Order approved"
        REJECT = "reject", "Order rejected"
        CANCEL = "cancel", "Order cancelled"
        SEND_TO_VENDORS = "send_to_vendors", "Sent to the vendors"
        SHIP = "ship", "Everything has shipped"
        COMPLETE = "complete", "Order complete"
        FAIL = "fail", "Order failed"
        # A segment's moves with its vendor (OrderSegment.<transition>)
        SENT_TO_VENDOR = "sent_to_vendor", "Vendor acknowledged the order"
        VENDOR_FAILED = "vendor_failed", "Vendor could not fulfil"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CARRIED_OUT = "carried_out", "Carrier made the change"
        # The approval (written by approvals.services)
        APPROVAL_STEP_STARTED = "approval_step_started", "Approval step started"
        APPROVAL_STEP_APPROVED = "approval_step_approved", "Approval step approved"
        APPROVAL_REMINDER = "approval_reminder", "Approvers reminded"
        APPROVAL_ESCALATED = "approval_escalated", "Approval escalated"
        APPROVAL_WITHDRAWN = "approval_withdrawn", "Approval withdrawn"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    segment = models.ForeignKey(
        OrderSegment, on_delete=models.CASCADE, null=True, blank=True, related_name="history"
    )
    event = models.CharField(
        max_length=40, choices=Event.choices, help_text="The transition or event name."
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "order history"

    def __str__(self) -> str:
        return f"{self.order_id} {self.event}"


class Shipment(models.Model):
    segment = models.ForeignKey(OrderSegment, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=100)
    tracking_number = models.CharField(max_length=100)
    shipped_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return self.tracking_number


class PropertyGroup(models.Model):
    """A group of order properties asked for one transaction type in one tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="property_groups")
    transaction_type = models.CharField(max_length=30, choices=TransactionType.choices)
    group_id = models.CharField(max_length=50)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "group_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "transaction_type", "group_id"], name="property_group_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} ({self.transaction_type})"


class PropertyField(models.Model):
    class Type(models.TextChoices):
        TEXT = "TEXT"
        DATE = "DATE"
        CHOICE = "CHOICE"
        BOOLEAN = "BOOLEAN"

    class Validation(models.TextChoices):
        REQUIRED = "REQUIRED"
        OPTIONAL = "OPTIONAL"

    group = models.ForeignKey(PropertyGroup, on_delete=models.CASCADE, related_name="fields")
    field_id = models.CharField(max_length=50)
    label = models.CharField(max_length=150)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    validation = models.CharField(
        max_length=10, choices=Validation.choices, default=Validation.OPTIONAL
    )
    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    pattern = models.CharField(max_length=100, blank=True, help_text='A hint, e.g. "CC-1234".')
    reg_ex = models.CharField(max_length=300, blank=True)
    default_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "field_id"], name="property_field_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_required(self) -> bool:
        return self.validation == self.Validation.REQUIRED


class PropertyChoice(models.Model):
    field = models.ForeignKey(PropertyField, on_delete=models.CASCADE, related_name="choices")
    choice_id = models.CharField(max_length=50)
    label = models.CharField(max_length=150)
    is_other = models.BooleanField(default=False, help_text="Asks for free text.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["field", "choice_id"], name="property_choice_unique"),
            models.UniqueConstraint(
                fields=["field"], condition=Q(is_other=True), name="property_choice_one_other"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class OrderApprover(models.Model):
    """Who may decide an order now (pending) or did take part in its approval.

    Written by the approvals app through orders.services.set_approvers; read here so that order
    lists can filter on "eligible to approve" and show approvers without knowing about workflows.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="approvers")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(help_text="The approval step, from 1.")
    pending = models.BooleanField(default=True)

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "employee", "level"], name="order_approver_unique"
            ),
        ]
        indexes = [
            # Whose approvals: pending ones (the inbox), or all of them (the orders they may
            # see), their orders read off the index alone.
            models.Index(
                fields=["employee", "pending", "order"], name="order_approver_by_employee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} (level {self.level}) for order {self.order_id}"


class Notification(models.Model):
    """One message to one person about one order event (or, DELEGATE_NAMED, about a
    delegation: no order); sent exactly once.

    `key` makes it unique (event + order + step + recipient): a retried or redelivered task
    finds the row already there and does not send again.
    """

    class Event(models.TextChoices):
        APPROVAL_REQUESTED = "APPROVAL_REQUESTED", "Approval requested"
        APPROVAL_REMINDER = "APPROVAL_REMINDER", "Approval reminder"
        APPROVAL_ESCALATED = "APPROVAL_ESCALATED", "Approval escalated"
        ORDER_APPROVED = "ORDER_APPROVED", "Order approved"
        ORDER_REJECTED = "ORDER_REJECTED", "Order rejected"
        ORDER_SHIPPED = "ORDER_SHIPPED", "Order shipped"
        ORDER_COMPLETED = "ORDER_COMPLETED", "Order completed"
        ORDER_FAILED = "ORDER_FAILED", "Order failed"
        # About no order: someone named the recipient delegate (orders.notifications).
        DELEGATE_NAMED = "DELEGATE_NAMED", "Named a delegate"

    # The events about one order (every event but DELEGATE_NAMED).
    ORDER_EVENTS = tuple(e for e in Event.values if e != "DELEGATE_NAMED")

    class Status(models.TextChoices):
        PENDING = "PENDING"
        SENT = "SENT"
        FAILED = "FAILED"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    # Empty for an event about no order (DELEGATE_NAMED).
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    recipient = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    key = models.CharField(max_length=200, unique=True)
    # What the template needs beyond the order (step, reason, tracking numbers...).
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.TextField(blank=True, help_text="The delivery result, or why it failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} to {self.email} (order {self.order_id})"


class NotificationSetting(models.Model):
    """A tenant admin's switch for one notification event (absent: on)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=30, choices=Notification.Event.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event"], name="notification_setting_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {'on' if self.enabled else 'off'}"
