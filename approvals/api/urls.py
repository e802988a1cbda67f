from django.urls import path

from approvals.api import views

urlpatterns = [
    path("orders/<int:pk>/approval", views.OrderApproval.as_view(), name="order-approval"),
    # MobProc clients also know the action as /approve.
    path("orders/<int:pk>/approve", views.OrderApproval.as_view(), name="order-approve"),
    path("approvals", views.ApprovalInbox.as_view(), name="approval-inbox"),
    path("approval-workflows", views.WorkflowList.as_view(), name="workflow-list"),
    path("approval-workflows/preview", views.WorkflowPreview.as_view(), name="workflow-preview"),
    path("approval-workflows/<int:pk>", views.WorkflowDetail.as_view(), name="workflow-detail"),
]
