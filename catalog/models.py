"""What can be ordered (the catalog, offered per tenant) and the assets employees hold."""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q

from portal.models import Employee, Tenant, TracksUpdates


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class TransactionType(models.TextChoices):
    """The twelve MobProc order types: procurement obtains things, care changes a service (or,
    the three transfers of release 1.3.6, who owns it)."""

    NEW_ACTIVATION = "NEW_ACTIVATION", "New activation"
    UPGRADE = "UPGRADE", "Upgrade"
    ORDER_ACCESSORIES = "ORDER_ACCESSORIES", "Order accessories"
    PORT_NUMBER = "PORT_NUMBER", "Port number"
    SUSPEND = "SUSPEND", "Suspend"
    UNSUSPEND = "UNSUSPEND", "Unsuspend"
    DEACTIVATE = "DEACTIVATE", "Deactivate"
    UPDATE_FEATURES = "UPDATE_FEATURES", "Update features"
    SWAP_DEVICES = "SWAP_DEVICES", "Swap devices"
    # Release 1.3.6: a company line becomes the employee's own, or an employee's own line
    # becomes a company line (on the same carrier, or ported from another one).
    XFER_SERVICE_OUT = "XFER_SERVICE_OUT", "Transfer out"
    XFER_SERVICE_IN = "XFER_SERVICE_IN", "Transfer in"
    XFER_SERVICE_IN_AND_PORT = "XFER_SERVICE_IN_AND_PORT", "Transfer in and port"

    @classmethod
    def care(cls) -> frozenset[TransactionType]:
        """Care orders change a line the employee has; the rest procure something new."""
        return frozenset(
            {cls.SUSPEND, cls.UNSUSPEND, cls.DEACTIVATE, cls.UPDATE_FEATURES, cls.SWAP_DEVICES,
             cls.XFER_SERVICE_OUT, cls.XFER_SERVICE_IN, cls.XFER_SERVICE_IN_AND_PORT}
        )  # fmt: skip

    @classmethod
    def transfers_in(cls) -> frozenset[TransactionType]:
        """The types that bring an employee's own number into the company as a new line."""
        return frozenset({cls.XFER_SERVICE_IN, cls.XFER_SERVICE_IN_AND_PORT})

    @property
    def is_care(self) -> bool:
        return self in self.care()


class Recurrence(models.TextChoices):
    ONETIME = "ONETIME"
    MONTHLY = "MONTHLY"


class PriceFields(models.Model):
    """A price as MobProc writes it: amount, currency and recurrence."""

    price_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    price_currency = models.CharField(max_length=3, default="USD")
    price_recurrence = models.CharField(
        max_length=10, choices=Recurrence.choices, default=Recurrence.ONETIME
    )

    class Meta:
        abstract = True


class Region(models.Model):
    """A country or one of its states or provinces; a country carries its postal address
    format, its currency and its postal code pattern (MobProc `GET /regions/{id}`)."""

    class Type(models.TextChoices):
        COUNTRY = "COUNTRY", "Country"
        STATE_PROVINCE = "STATE_PROVINCE", "State or province"

    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    code = models.CharField(
        max_length=10, blank=True, help_text="ISO code, e.g. US or CT (MobProc `abbreviation`)."
    )
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.COUNTRY)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    # [{id, label, minLength, maxLength, validation: REQUIRED|OPTIONAL, options?, pattern?,
    # regEx?}]; options are [{id, label}] (the API says `value` for `id`): the codes of the
    # country's child regions for its STATE / PROVINCE line.
    address_format = models.JSONField(default=list, blank=True)
    country_code = models.CharField(
        max_length=5, blank=True, help_text="International dialling code, e.g. 1 or 44."
    )
    currency_code = models.CharField(max_length=3, blank=True, help_text="ISO 4217, e.g. USD.")
    currency_name = models.CharField(max_length=50, blank=True)
    currency_symbol = models.CharField(max_length=5, blank=True)
    postal_code_pattern = models.CharField(
        max_length=30, blank=True, help_text="A hint such as 99999 or A9A 9A9."
    )
    postal_code_regex = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vendor(models.Model):
    """A vendor that fulfils order segments: most are carriers (MobProc `/vendors?type=CARRIER`,
    release 1.1.0), each with the channel access method of its network (`accessMethod`, to tell
    whether a device works on it) and the region it serves."""

    class Type(models.TextChoices):
        CARRIER = "CARRIER", "Carrier"
        RESELLER = "RESELLER", "Reseller"
        OTHER = "OTHER", "Other"

    class Simulation(models.TextChoices):
        """How the simulated carrier gateway behaves for this vendor (orders.fulfilment)."""

        SHIP = "SHIP", "Acknowledge, then ship"
        FAIL_TRANSIENTLY = "FAIL_TRANSIENTLY", "Fail twice, then acknowledge"
        FAIL = "FAIL", "Refuse every order"

    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    logo_url = models.URLField(blank=True)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.CARRIER)
    access_method = models.CharField(
        max_length=20, blank=True, help_text="The network's channel access method: CDMA, GSM..."
    )
    region = models.ForeignKey(
        Region, on_delete=models.SET_NULL, null=True, blank=True, related_name="vendors"
    )
    simulation = models.CharField(
        max_length=20, choices=Simulation.choices, default=Simulation.SHIP
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Manufacturer(models.Model):
    # MobProc identifies manufacturers by name ("LG", "Verizon Wireless"), and a model by its
    # name within its manufacturer (`/manufacturers/LG/models/Cookie%20Plus`). The make and model
    # of a device the catalog lacks are both OTHER (SWAP_DEVICES, with `otherMakeModelName`).
    OTHER = "Other"

    id = models.CharField(max_length=100, primary_key=True)
    name = models.CharField(max_length=100)
    logo_url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfferedQuerySet(models.QuerySet):
    def offered_to(self, tenant: Tenant) -> OfferedQuerySet:
        return self.filter(offered_to=tenant)


class Device(PriceFields):
    """A device model in the catalog (what accessories fit and what can be bought)."""

    id = models.BigIntegerField(primary_key=True)
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="+")
    model = models.CharField(max_length=150)
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    access_method = models.CharField(max_length=20, blank=True, help_text="CDMA, GSM, LTE...")
    image_url = models.URLField(blank=True)
    offered_to = models.ManyToManyField(Tenant, blank=True, related_name="offered_devices")

    objects = OfferedQuerySet.as_manager()

    class Meta:
        ordering = ["manufacturer__name", "model"]

    def __str__(self) -> str:
        return f"{self.manufacturer.name} {self.model}"


class Plan(PriceFields):
    id = models.BigIntegerField(primary_key=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(max_length=150)
    offered_to = models.ManyToManyField(Tenant, blank=True, related_name="offered_plans")

    objects = OfferedQuerySet.as_manager()

    class Meta:
        ordering = ["vendor__name", "name"]

    def __str__(self) -> str:
        return self.name


class IncludedFeature(models.Model):
    """What a plan comes with at no extra charge ("Unlimited talk and text"), shown with the plan
    as MobProc's `includedFeatures`: a description only, never ordered or priced apart."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="included_features")
    description = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class Feature(PriceFields):
    """An optional feature of a plan (international roaming, hotspot...)."""

    id = models.BigIntegerField(primary_key=True)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="features")
    name = models.CharField(max_length=150)
    offered_to = models.ManyToManyField(Tenant, blank=True, related_name="offered_features")

    objects = OfferedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Accessory(PriceFields):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="accessories")
    image_url = models.URLField(blank=True)
    fits = models.ManyToManyField(Device, blank=True, related_name="accessories")
    offered_to = models.ManyToManyField(Tenant, blank=True, related_name="offered_accessories")

    objects = OfferedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "accessories"

    def __str__(self) -> str:
        return self.name


class ServiceAsset(TracksUpdates, models.Model):
    """A line (phone number) held by an employee."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        SUSPENDED = "SUSPENDED"
        DEACTIVATED = "DEACTIVATED"
        # Transferred out (XFER_SERVICE_OUT): the number is the employee's own now; the row
        # stays as the company's record of the line it was.
        TRANSFERRED = "TRANSFERRED"

    # No longer a line of the company: its number may come back (ported or transferred in).
    GONE = (Status.DEACTIVATED, Status.TRANSFERRED)

    # The care orders each status allows (MobProc `orderActions`).
    ORDER_ACTIONS = {
        Status.ACTIVE: [
            TransactionType.ORDER_ACCESSORIES,
            TransactionType.UPGRADE,
            # The line moves to another carrier, keeping its number (tutorials/orders/port_number).
            TransactionType.PORT_NUMBER,
            TransactionType.SUSPEND,
            TransactionType.DEACTIVATE,
            TransactionType.UPDATE_FEATURES,
            TransactionType.SWAP_DEVICES,
            TransactionType.XFER_SERVICE_OUT,
        ],
        Status.SUSPENDED: [TransactionType.UNSUSPEND, TransactionType.DEACTIVATE],
        Status.DEACTIVATED: [],
        Status.TRANSFERRED: [],
    }

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="services")
    service_number = models.CharField(max_length=30)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    features = models.ManyToManyField(Feature, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    account_holder = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="services")
    activated_at = models.DateTimeField(null=True, blank=True)
    contract_start = models.DateTimeField(null=True, blank=True)
    contract_end = models.DateTimeField(null=True, blank=True)
    last_device_upgrade = models.DateTimeField(null=True, blank=True)
    # The row's last change (MobProc 1.1.0 `updated`, `dateTimeUpdated`, `UPDATED_DATE`).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_number"]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="service_updated")]
        constraints = [
            # One active or suspended line per number in a tenant; deactivated or transferred
            # numbers may return.
            models.UniqueConstraint(
                fields=["tenant", "service_number"],
                condition=~Q(status__in=["DEACTIVATED", "TRANSFERRED"]),
                name="service_unique_live_number",
            ),
        ]

    def __str__(self) -> str:
        return self.service_number

    # The order actions about the device on the line (tutorials/move lists them on the device).
    DEVICE_ORDER_ACTIONS = frozenset(
        {TransactionType.UPGRADE, TransactionType.ORDER_ACCESSORIES, TransactionType.SWAP_DEVICES}
    )

    @property
    def order_actions(self) -> list[str]:
        return [t.value for t in self.ORDER_ACTIONS[self.status]]

    @property
    def device_order_actions(self) -> list[str]:
        return [t for t in self.order_actions if t in self.DEVICE_ORDER_ACTIONS]

    def monthly_cost(self) -> Decimal:
        """What the line costs a month now: its plan and features, those billed monthly (a
        one-time charge is not on the monthly bill). The one way every page and summary counts
        it; uses prefetched features."""
        priced = [self.plan, *self.features.all()] if self.plan_id else list(self.features.all())
        return sum(
            (item.price_amount for item in priced if item.price_recurrence == Recurrence.MONTHLY),
            Decimal("0"),
        )

    @property
    def upgrade_eligibility_date(self) -> datetime | None:
        """From when the line may get a new device: the tenant's upgrade period after the last
        upgrade (or, never upgraded, after the contract start or activation)."""
        since = self.last_device_upgrade or self.contract_start or self.activated_at
        if since is None:
            return None
        return add_months(since, self.tenant.upgrade_eligibility_months)


class DeviceAsset(TracksUpdates, models.Model):
    """A physical device an employee holds, attached to at most one service."""

    class SerialNumberType(models.TextChoices):
        IMEI = "IMEI"
        MEID = "MEID"
        ESN = "ESN"
        CAP_CODE = "CAP_CODE"
        PIN = "PIN"
        MSN = "MSN"
        UNKNOWN = "UNKNOWN"

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="devices")
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
        help_text="Catalog model; empty for a make and model the catalog does not have.",
    )
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An employee's own device that is not in the catalog (SWAP_DEVICES `otherMakeModelName`).
    other_make_model = models.CharField(max_length=150, blank=True)
    holder = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="devices"
    )
    service = models.OneToOneField(
        ServiceAsset, on_delete=models.SET_NULL, null=True, blank=True, related_name="device"
    )
    serial_number_type = models.CharField(
        max_length=10, choices=SerialNumberType.choices, default=SerialNumberType.IMEI
    )
    serial_number = models.CharField(max_length=40, blank=True)
    sim_id = models.CharField(max_length=40, blank=True)
    mac_address = models.CharField(max_length=40, blank=True)
    company_asset_id = models.CharField(max_length=100, blank=True)
    access_method = models.CharField(max_length=20, blank=True)
    # The row's last change (MobProc 1.1.0 `updated`, `dateTimeUpdated`, `UPDATED_DATE`).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="device_asset_updated")]

    def __str__(self) -> str:
        return f"{self.make_model} ({self.serial_number})"

    @property
    def make(self) -> Manufacturer | None:
        return self.device.manufacturer if self.device_id else self.manufacturer

    @property
    def model_name(self) -> str:
        return self.device.model if self.device_id else self.other_make_model

    @property
    def make_model(self) -> str:
        """ "Apple iPhone 15", as people name a device."""
        make = self.make
        parts = (make.name if make else "", self.model_name)
        return " ".join(part for part in parts if part) or "Unknown device"


class Disclosure(models.Model):
    """What a vendor asks of a tenant's employees for one transaction type (MobProc 1.3.6
    `/acknowledgements`, tutorials/acknowledgements): info blocks to read and acknowledgements
    to accept. Configured per tenant by its admins; kept with the catalog because it belongs to
    what is ordered from a vendor, as the vendor's plans do."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="+")
    transaction_type = models.CharField(max_length=30, choices=TransactionType.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="Shown in this order.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class InfoBlock(Disclosure):
    """A header and its paragraphs the vendor wants the employee to read."""

    header = models.CharField(max_length=200)
    # ["text", ...]: each paragraph as the vendor wrote it (the API shows [{"text": ...}]).
    paragraphs = models.JSONField(default=list, blank=True)

    class Meta(Disclosure.Meta):
        indexes = [
            models.Index(fields=["tenant", "vendor", "transaction_type"], name="infoblock_for")
        ]

    def __str__(self) -> str:
        return self.header


class Acknowledgement(Disclosure):
    """A point the employee accepts (a BOOLEAN, true to accept); a REQUIRED one must be
    accepted before an order of its type to its vendor is accepted (orders.acknowledgements)."""

    class Type(models.TextChoices):
        BOOLEAN = "BOOLEAN"

    class Validation(models.TextChoices):
        REQUIRED = "REQUIRED", "Required"
        OPTIONAL = "OPTIONAL", "Optional"

    ack_id = models.CharField(
        max_length=50, help_text="The id orders send it back under, e.g. AUTHORIZATION_OF_TRANSFER."
    )
    label = models.CharField(max_length=500)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.BOOLEAN)
    validation = models.CharField(
        max_length=10, choices=Validation.choices, default=Validation.REQUIRED
    )

    class Meta(Disclosure.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "vendor", "transaction_type", "ack_id"],
                name="acknowledgement_unique_id",
            )
        ]

    def __str__(self) -> str:
        return self.ack_id

    @property
    def is_required(self) -> bool:
        return self.validation == self.Validation.REQUIRED
