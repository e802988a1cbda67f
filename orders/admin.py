"""Orders in the admin: for looking, not for moving. Status changes go through the services
(pages and API), never through a raw FSM field here."""

from django.contrib import admin

from orders.models import (
    Notification,
    NotificationSetting,
    Order,
    OrderHistory,
    OrderSegment,
    PropertyChoice,
    PropertyField,
    PropertyGroup,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SegmentInline(ReadOnlyInline):
    model = OrderSegment
    fields = ["vendor", "status", "vendor_reference", "vendor_attempts", "sent_at"]


class HistoryInline(ReadOnlyInline):
    model = OrderHistory
    fields = ["created_at", "event", "from_status", "to_status", "actor", "on_behalf_of", "note"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "transaction_type", "status", "requested_by",
                    "cost_onetime", "submitted_at"]  # fmt: skip
    list_filter = ["tenant", "status", "transaction_type"]
    search_fields = ["id", "external_order_number", "requested_by__last_name"]
    list_select_related = ["tenant", "requested_by"]
    inlines = [SegmentInline, HistoryInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Order._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["event", "email", "order", "status", "attempts", "sent_at"]
    list_filter = ["tenant", "event", "status"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ["tenant", "event", "enabled"]
    list_filter = ["tenant"]


class PropertyChoiceInline(admin.TabularInline):
    model = PropertyChoice
    extra = 0


@admin.register(PropertyField)
class PropertyFieldAdmin(admin.ModelAdmin):
    list_display = ["field_id", "label", "type", "validation", "group"]
    inlines = [PropertyChoiceInline]


class PropertyFieldInline(admin.TabularInline):
    model = PropertyField
    extra = 0
    show_change_link = True


@admin.register(PropertyGroup)
class PropertyGroupAdmin(admin.ModelAdmin):
    list_display = ["group_id", "transaction_type", "tenant"]
    list_filter = ["tenant", "transaction_type"]
    inlines = [PropertyFieldInline]
