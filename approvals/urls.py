from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("decide/<str:token>/", views.email_decision, name="email-decision"),
]
