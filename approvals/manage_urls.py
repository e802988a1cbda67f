"""Tenant admin pages (/manage/): one URL module for the admin area, which spans every app.

It lives in approvals because that app sits on top and may use all the others.
"""

from django.urls import path

from approvals import manage_views

app_name = "manage"

urlpatterns = [
    path("", manage_views.dashboard, name="dashboard"),
]
