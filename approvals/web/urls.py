from django.urls import include, path

from approvals.web import deciding, delegations, email_links, inbox

# Every approvals page is under /approvals/.
approval_patterns = [
    path("", inbox.inbox, name="inbox"),
    path("bulk/", deciding.bulk_decide, name="bulk"),
    path("<int:pk>/decide/", deciding.order_decide, name="decide"),
    path("delegation/", delegations.delegation_list, name="delegation"),
    path(
        "delegation/<int:pk>/withdraw/", delegations.delegation_withdraw, name="delegation-withdraw"
    ),
    path("decide/<str:token>/", email_links.email_decision, name="email-decision"),
]

app_name = "approvals"

urlpatterns = [path("approvals/", include(approval_patterns))]
