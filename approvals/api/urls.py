from django.urls import path

from approvals.api import audit, bulk, impact, views

# One view, two routes: MobProc clients also know the action as /approve.
order_approval = views.OrderApproval.as_view()

urlpatterns = [
    path("approvals/bulk", bulk.BulkApproval.as_view(), name="approval-bulk"),
    path("orders/<int:pk>/approval", order_approval, name="order-approval"),
    path("orders/<int:pk>/approve", order_approval, name="order-approve"),
    path("approvals", views.ApprovalInbox.as_view(), name="approval-inbox"),
    path("audit-events", audit.AuditEventList.as_view(), name="audit-event-list"),
    path("approval-workflows", views.WorkflowList.as_view(), name="workflow-list"),
    path("approval-workflows/preview", views.WorkflowPreview.as_view(), name="workflow-preview"),
    path("approval-workflows/impact", impact.WorkflowImpact.as_view(), name="workflow-impact"),
    path("approval-workflows/<int:pk>", views.WorkflowDetail.as_view(), name="workflow-detail"),
]
