"""The analytics page and its CSV exports, under /manage/analytics/ (names in `manage:`)."""

from django.urls import path

from approvals.manage import analytics, exports

urlpatterns = [
    path("", analytics.analytics_page, name="analytics"),
    path("orders.csv", exports.orders_csv, name="analytics-orders-csv"),
    path("decisions.csv", exports.decisions_csv, name="analytics-decisions-csv"),
    path("figures.csv", exports.figures_csv, name="analytics-figures-csv"),
]
