from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("approvals/", views.inbox, name="inbox"),
    path("approvals/decide/<str:token>/", views.email_decision, name="email-decision"),
]
