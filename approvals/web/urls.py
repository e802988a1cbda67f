from django.urls import path

from approvals.web import deciding, delegations, email_links, inbox

app_name = "approvals"

urlpatterns = [
    path("approvals/", inbox.inbox, name="inbox"),
    path("approvals/bulk/", deciding.bulk_decide, name="bulk"),
    path("approvals/<int:pk>/decide/", deciding.order_decide, name="decide"),
    path("approvals/delegation/", delegations.delegation_list, name="delegation"),
    path(
        "approvals/delegation/<int:pk>/withdraw/",
        delegations.delegation_withdraw,
        name="delegation-withdraw",
    ),
    path("approvals/decide/<str:token>/", email_links.email_decision, name="email-decision"),
]
