"""Orders in the admin: for looking, not for moving. Status changes go through the services
(pages and API), never through a raw FSM field here; order properties are written by
orders.properties (tenant admins' pages and API), notification switches by
orders.notifications.set_notification_settings."""

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
from portal.admin import ReadOnlyAdmin, ReadOnlyInline


class SegmentInline(ReadOnlyInline):
    model = OrderSegment
    fields = ["vendor", "status", "vendor_reference", "vendor_attempts", "sent_at"]


class HistoryInline(ReadOnlyInline):
    model = OrderHistory
    fields = ["created_at", "event", "from_status", "to_status", "actor", "on_behalf_of", "note"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "tenant", "transaction_type", "status", "requested_by",
                    "cost_onetime", "submitted_at"]  # fmt: skip
    list_filter = ["tenant", "status", "transaction_type"]
    search_fields = ["id", "external_order_number", "requested_by__last_name"]
    list_select_related = ["tenant", "requested_by"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [SegmentInline, HistoryInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["event", "email", "order", "status", "attempts", "sent_at"]
    list_filter = ["tenant", "event", "status"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(NotificationSetting)
class NotificationSettingAdmin(ReadOnlyAdmin):
    list_display = ["tenant", "event", "enabled"]
    list_filter = ["tenant"]


class PropertyChoiceInline(ReadOnlyInline):
    model = PropertyChoice
    fields = ["choice_id", "label", "is_other", "position"]


@admin.register(PropertyField)
class PropertyFieldAdmin(ReadOnlyAdmin):
    list_display = ["field_id", "label", "type", "validation", "group"]
    list_select_related = ["group"]
    inlines = [PropertyChoiceInline]


class PropertyFieldInline(ReadOnlyInline):
    model = PropertyField
    fields = ["field_id", "label", "type", "validation", "position"]
    show_change_link = True


@admin.register(PropertyGroup)
class PropertyGroupAdmin(ReadOnlyAdmin):
    list_display = ["group_id", "transaction_type", "tenant"]
    list_filter = ["tenant", "transaction_type"]
    inlines = [PropertyFieldInline]
