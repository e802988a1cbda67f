"""The decision audit: every attempt is kept, accepted or refused, and nobody can rewrite it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from approvals.models import ApprovalWorkflow, DecisionAudit
from orders.models import Order
from tests.approvals.conftest import place_order, routed

pytestmark = pytest.mark.usefixtures("vendors_unreached")

Audit = DecisionAudit.Outcome


@pytest.fixture
def order(peter) -> Order:
    return routed(place_order(peter))


def last_audit() -> DecisionAudit:
    return DecisionAudit.objects.order_by("-id").first()


def corr(value: str) -> dict:
    return {"HTTP_X_TNGO_CONTEXT_CORRELATIONID": value}


def test_accepted_decision_is_audited_with_who_where_and_why(order, api_for, decide, maria):
    client = api_for(maria, **corr("corr-accepted"))

    decide(client, order, "APPROVE", reason="Within budget")

    audit = last_audit()
    assert audit.outcome == Audit.APPROVAL_QUEUED
    assert audit.refusal_code == ""
    assert (audit.tenant, audit.order_id, audit.step_position) == (maria.tenant, order.pk, 1)
    assert (audit.action, audit.reason) == ("APPROVE", "Within budget")
    assert (audit.actor, audit.caller) == (maria, None)
    assert audit.client_id == "demo-client"
    assert audit.ip_address == "127.0.0.1"
    assert audit.correlation_id == "corr-accepted"
    assert audit.created_at is not None


def test_decision_made_for_someone_records_the_real_caller(order, api_for, decide, maria, ada):
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk), **corr("corr-admin"))

    decide(client, order, "REJECT", reason="Duplicate")

    audit = last_audit()
    assert audit.outcome == Audit.REJECTION_QUEUED
    assert (audit.actor, audit.caller) == (maria, ada)
    assert audit.correlation_id == "corr-admin"


@pytest.mark.parametrize(
    ("who", "code"),
    [("peter", "MAKER_CANNOT_CHECK"), ("sam", "NOT_AN_APPROVER")],
)
def test_refused_attempt_is_audited_with_its_refusal_code(
    order, api_for, decide, request, who, code
):
    employee = request.getfixturevalue(who)

    response = decide(api_for(employee, **corr(f"corr-{who}")), order, "APPROVE", reason="Me!")

    assert response.status_code == 403
    audit = last_audit()
    assert (audit.outcome, audit.refusal_code) == (Audit.REFUSED, code)
    assert (audit.actor, audit.order_id, audit.reason) == (employee, order.pk, "Me!")
    assert audit.correlation_id == f"corr-{who}"
    assert audit.ip_address == "127.0.0.1"


def test_rejection_refused_for_a_missing_reason_is_audited(order, api_for, decide, maria):
    response = decide(api_for(maria), order, "REJECT")

    assert response.status_code == 400
    audit = last_audit()
    assert (audit.outcome, audit.refusal_code) == (Audit.REFUSED, "VALIDATION_FAILED")
    assert (audit.action, audit.actor, audit.step_position) == ("REJECT", maria, 1)


def test_attempt_that_is_not_needed_is_audited(order, api_for, decide, maria):
    decide(api_for(maria), order, "APPROVE")

    decide(api_for(maria), order, "APPROVE")

    outcomes = list(
        DecisionAudit.objects.filter(order=order).order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == [Audit.APPROVAL_QUEUED, Audit.APPROVAL_NOT_NEEDED]


def test_attempt_before_routing_is_audited(peter, api_for, maria):
    order = place_order(peter)

    api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})

    audit = last_audit()
    assert (audit.outcome, audit.step_position) == (Audit.NOT_READY_FOR_APPROVAL, None)


# --- Append-only --------------------------------------------------------------------------------


@pytest.fixture
def audited(order, api_for, decide, maria) -> DecisionAudit:
    decide(api_for(maria), order, "APPROVE", reason="Original reason")
    return last_audit()


def test_audit_rows_cannot_be_updated_through_the_orm(audited):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DecisionAudit.objects.filter(pk=audited.pk).update(reason="Rewritten")

    assert DecisionAudit.objects.get(pk=audited.pk).reason == "Original reason"


def test_audit_rows_cannot_be_saved_over(audited):
    audited.outcome = Audit.REFUSED

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        audited.save()

    assert DecisionAudit.objects.get(pk=audited.pk).outcome == Audit.APPROVAL_QUEUED


def test_audit_rows_cannot_be_deleted_through_the_orm(audited):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DecisionAudit.objects.filter(pk=audited.pk).delete()

    assert DecisionAudit.objects.filter(pk=audited.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE approvals_decisionaudit SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM approvals_decisionaudit WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_audit_rows_cannot_be_changed_with_raw_sql(audited, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [audited.pk])

    assert DecisionAudit.objects.get(pk=audited.pk).reason == "Original reason"


def test_audit_can_still_be_appended_to(audited, order, api_for, decide, maria):
    count = DecisionAudit.objects.count()

    decide(api_for(maria), order, "APPROVE")

    assert DecisionAudit.objects.count() == count + 1


# --- Admin --------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(client, settings, demo):
    """A platform operator signed in to the Django admin."""
    # Admin pages link static files; tests have no collected manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "x")
    client.force_login(operator)
    return client


def test_admin_shows_an_audit_row_without_save_or_delete(operator_client, audited):
    url = reverse("admin:approvals_decisionaudit_change", args=[audited.pk])

    response = operator_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Original reason" in page
    assert 'name="_save"' not in page
    assert "deletelink" not in page


def test_admin_refuses_to_change_or_delete_an_audit_row(operator_client, audited):
    change = reverse("admin:approvals_decisionaudit_change", args=[audited.pk])
    delete = reverse("admin:approvals_decisionaudit_delete", args=[audited.pk])

    changed = operator_client.post(change, {"reason": "Rewritten", "_save": "Save"})
    deleted = operator_client.post(delete, {"post": "yes"})

    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert DecisionAudit.objects.get(pk=audited.pk).reason == "Original reason"


def test_admin_offers_no_add_and_no_bulk_delete_of_audit_rows(operator_client, audited):
    changelist = reverse("admin:approvals_decisionaudit_changelist")

    listed = operator_client.get(changelist)
    added = operator_client.get(reverse("admin:approvals_decisionaudit_add"))
    bulk = operator_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [audited.pk], "post": "yes"}
    )

    assert listed.status_code == 200
    assert "delete_selected" not in listed.content.decode()
    assert added.status_code == 403
    assert bulk.status_code < 400
    assert DecisionAudit.objects.filter(pk=audited.pk).exists()


def test_admin_shows_workflows_with_their_steps_read_only(operator_client, demo):
    """The services write workflows (and audit them); the operator's admin only shows them."""
    workflow = ApprovalWorkflow.objects.get(tenant=demo.acme, name="Accessories over 40 USD")
    url = reverse("admin:approvals_approvalworkflow_change", args=[workflow.pk])

    page = operator_client.get(url)
    post = operator_client.post(url, {"name": "Renamed"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'name="steps-TOTAL_FORMS" value="2"' in page.content.decode()
    assert post.status_code == 403
    workflow.refresh_from_db()
    assert workflow.name == "Accessories over 40 USD"
