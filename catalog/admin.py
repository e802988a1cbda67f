from django.contrib import admin

from catalog import models
from portal.web.forms import STORABLE_JSON


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    formfield_overrides = STORABLE_JSON
    list_display = ["name", "code", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code"]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "simulation"]
    list_editable = ["simulation"]


@admin.register(models.Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name", "id"]


class OfferedAdmin(admin.ModelAdmin):
    filter_horizontal = ["offered_to"]
    list_display = ["__str__", "price_amount", "price_currency", "price_recurrence"]


@admin.register(models.Device)
class DeviceAdmin(OfferedAdmin):
    list_select_related = ["manufacturer"]


class IncludedFeatureInline(admin.TabularInline):
    """What the plan comes with, in the order its answers and pages list it."""

    model = models.IncludedFeature
    fields = ["description", "position"]
    extra = 1


@admin.register(models.Plan)
class PlanAdmin(OfferedAdmin):
    list_filter = ["vendor"]
    inlines = [IncludedFeatureInline]


@admin.register(models.Feature)
class FeatureAdmin(OfferedAdmin):
    list_filter = ["plan"]


@admin.register(models.Accessory)
class AccessoryAdmin(OfferedAdmin):
    filter_horizontal = ["offered_to", "fits"]
    list_filter = ["manufacturer", "vendor"]
    # No filter counts: Django names each count after the choice's key, and a manufacturer's
    # key is its MobProc id, which may hold spaces ("Samsung Mobile"): a 500 with ?_facets=.
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["name"]


@admin.register(models.ServiceAsset)
class ServiceAssetAdmin(admin.ModelAdmin):
    list_display = ["service_number", "tenant", "account_holder", "vendor", "status"]
    list_filter = ["tenant", "status", "vendor"]
    search_fields = ["service_number"]
    raw_id_fields = ["account_holder"]
    filter_horizontal = ["features"]
    # Suspended, active again, deactivated: what a completed order does (orders.effects through
    # catalog.services.set_line_status), never a choice here.
    readonly_fields = ["status"]


@admin.register(models.DeviceAsset)
class DeviceAssetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tenant", "holder", "service"]
    list_filter = ["tenant"]
    raw_id_fields = ["holder", "service"]


@admin.register(models.Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    """What a vendor asks to accept per tenant and type (tenant admins: Manage >
    Acknowledgements, audited there)."""

    list_display = ["ack_id", "tenant", "vendor", "transaction_type", "validation", "position"]
    list_filter = ["tenant", "vendor", "transaction_type", "validation"]
    search_fields = ["ack_id", "label"]


@admin.register(models.InfoBlock)
class InfoBlockAdmin(admin.ModelAdmin):
    formfield_overrides = STORABLE_JSON
    list_display = ["header", "tenant", "vendor", "transaction_type", "position"]
    list_filter = ["tenant", "vendor", "transaction_type"]
