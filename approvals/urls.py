from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("approvals/", views.inbox, name="inbox"),
    path("approvals/bulk/", views.bulk_decide, name="bulk"),
    path("approvals/<int:pk>/decide/", views.order_decide, name="decide"),
    path("approvals/delegation/", views.delegation_list, name="delegation"),
    path(
        "approvals/delegation/<int:pk>/withdraw/",
        views.delegation_withdraw,
        name="delegation-withdraw",
    ),
    path("approvals/decide/<str:token>/", views.email_decision, name="email-decision"),
]
