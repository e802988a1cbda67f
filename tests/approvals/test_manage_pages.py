"""Tenant admin pages (/manage/): who may open them, what their forms refuse and what they
change, through the Django test client."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import services as approval_services
from approvals.models import (
    ApprovalStep,
    ApprovalStepSource,
    ApprovalWorkflow,
    Decision,
    RunStep,
    StepRule,
)
from catalog.models import Accessory, Device
from orders import notifications
from orders.models import Notification, NotificationSetting, PropertyField, PropertyGroup
from portal import selectors
from portal import services as people_services
from portal.exceptions import RequestInvalid
from portal.models import Delegation, Employee, EmployeeGroup, Hierarchy, ReportingLine
from tests.approvals.conftest import place_order, routed, workflow
from tests.demo_data import accessory
from tests.factories import approval_step


def leather_pouch() -> Accessory:
    """The LG Cookie Plus Leather Pouch: offered to acme, fits Peter's line."""
    return accessory("LG Cookie Plus Leather Pouch")


@pytest.fixture
def ada_client(ada) -> Client:
    """A browser signed in as acme's tenant admin."""
    client = Client()
    client.force_login(ada.user)
    return client


def as_user(client, employee: Employee):
    client.force_login(employee.user)
    return client


def it_group(tenant) -> EmployeeGroup:
    return EmployeeGroup.objects.get(tenant=tenant, name="IT")


def workflow_post(**overrides) -> dict:
    """The editor's form as a browser posts it: a valid one-step rule, 5 step rows."""
    data = {
        "name": "Big spenders",
        "priority": "5",
        "is_active": "on",
        "transaction_types": ["ORDER_ACCESSORIES"],
        "onetime_cost_above": "100",
        "monthly_cost_above": "",
        "reason_required_to_reject": "on",
        "step-TOTAL_FORMS": "5",
        "step-INITIAL_FORMS": "5",
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "10",
        "action": "save",
    }
    for row in range(5):
        data |= {f"step-{row}-kind": "", f"step-{row}-manager_levels": "1"}
    data |= {"step-0-kind": "MANAGER", "step-0-reminder_delay_minutes": "1440"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def errors_beside(response, name: str) -> list[str]:
    """The messages shown beside one input of the workflow editor (form or step row)."""
    context = response.context
    if name.startswith("step-"):
        _, row, field = name.split("-", 2)
        return list(context["steps"].forms[int(row)].errors.get(field, []))
    return list(context["form"].errors.get(name, []))


# --- Who may open the pages -----------------------------------------------------------------


def manage_urls(demo, ada) -> list[tuple[str, str]]:
    acme = demo.acme
    wf = workflow(acme, "Accessories")
    group = it_group(acme)
    prop_group = PropertyGroup.objects.filter(tenant=acme).first()
    field = PropertyField.objects.filter(group=prop_group).first()
    delegation = Delegation.objects.create(
        tenant=acme, employee=ada, delegate=Employee.objects.get(user__username="ian"),
        starts_on=date.today(), ends_on=date.today(),
    )  # fmt: skip
    return [
        ("get", reverse("manage:dashboard")),
        ("get", reverse("manage:workflows")),
        ("get", reverse("manage:workflow-create")),
        ("get", reverse("manage:workflow-preview")),
        ("get", reverse("manage:workflow-edit", args=[wf.pk])),
        ("post", reverse("manage:workflow-move", args=[wf.pk])),
        ("get", reverse("manage:workflow-delete", args=[wf.pk])),
        ("post", reverse("manage:workflow-delete", args=[wf.pk])),
        ("get", reverse("manage:groups")),
        ("get", reverse("manage:group-create")),
        ("get", reverse("manage:group-edit", args=[group.pk])),
        ("get", reverse("manage:group-delete", args=[group.pk])),
        ("get", reverse("manage:properties")),
        ("post", reverse("manage:property-group-add")),
        ("get", reverse("manage:property-group-delete", args=[prop_group.pk])),
        ("get", reverse("manage:property-field-create", args=[prop_group.pk])),
        ("get", reverse("manage:property-field-edit", args=[field.pk])),
        ("get", reverse("manage:property-field-delete", args=[field.pk])),
        ("get", reverse("manage:employees")),
        ("get", reverse("manage:employee", args=[ada.pk])),
        ("post", reverse("manage:employee-delegation-add", args=[ada.pk])),
        ("post", reverse("manage:employee-delegation-end", args=[ada.pk, delegation.pk])),
        ("get", reverse("manage:catalog")),
        ("post", reverse("manage:catalog")),
        ("get", reverse("manage:notifications")),
        ("post", reverse("manage:notifications")),
    ]


@pytest.mark.parametrize("username", ["peter", "maria", "ian"])
def test_non_admins_get_403_on_every_manage_page(client, demo, ada, username):
    urls = manage_urls(demo, ada)
    as_user(client, Employee.objects.get(user__username=username))
    workflows_before = ApprovalWorkflow.objects.count()

    answers = {url: getattr(client, method)(url).status_code for method, url in urls}

    assert set(answers.values()) == {403}, answers
    assert ApprovalWorkflow.objects.count() == workflows_before
    assert Delegation.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    response = client.get(reverse("manage:workflows"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_opens_every_manage_page(ada_client, demo, ada):
    for method, url in manage_urls(demo, ada):
        if method == "get":
            response = ada_client.get(url)
            assert response.status_code == 200, url


def test_nav_links_to_manage_for_admins_only(client, ada_client, demo, peter):
    assert reverse("manage:dashboard") in ada_client.get("/").content.decode()
    assert reverse("manage:dashboard") not in as_user(client, peter).get("/").content.decode()


def test_another_tenants_ids_are_404(ada_client, demo):
    globex = demo.globex
    wf = workflow(globex, "Manager approval")
    greta = Employee.objects.get(user__username="greta")
    gina = Employee.objects.get(user__username="gina")
    group = EmployeeGroup.objects.create(tenant=globex, name="Ops")
    prop_group = PropertyGroup.objects.filter(tenant=globex).first()
    field = PropertyField.objects.filter(group=prop_group).first()
    delegation = Delegation.objects.create(
        tenant=globex, employee=gina, delegate=greta, starts_on=date.today(),
        ends_on=date.today(),
    )  # fmt: skip
    gets = [
        reverse("manage:workflow-edit", args=[wf.pk]),
        reverse("manage:workflow-delete", args=[wf.pk]),
        reverse("manage:employee", args=[greta.pk]),
        reverse("manage:group-edit", args=[group.pk]),
        reverse("manage:group-delete", args=[group.pk]),
        reverse("manage:property-group-delete", args=[prop_group.pk]),
        reverse("manage:property-field-create", args=[prop_group.pk]),
        reverse("manage:property-field-edit", args=[field.pk]),
        reverse("manage:property-field-delete", args=[field.pk]),
    ]
    posts = [
        *gets,
        reverse("manage:workflow-move", args=[wf.pk]),
        reverse("manage:employee-delegation-add", args=[gina.pk]),
        reverse("manage:employee-delegation-end", args=[gina.pk, delegation.pk]),
    ]

    answers = [ada_client.get(url).status_code for url in gets]
    answers += [ada_client.post(url, {"direction": "up"}).status_code for url in posts]

    assert set(answers) == {404}, list(zip(gets + posts, answers, strict=True))
    assert ApprovalWorkflow.objects.filter(pk=wf.pk).exists()
    assert PropertyField.objects.filter(pk=field.pk).exists()
    assert Delegation.objects.filter(pk=delegation.pk).exists()


def test_workflow_form_cannot_name_another_tenants_people(ada_client, demo):
    greta = Employee.objects.get(user__username="greta")

    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(**{"step-0-kind": "EMPLOYEE", "step-0-employee": str(greta.pk)}),
    )

    assert response.status_code == 200
    assert errors_beside(response, "step-0-employee") == [f"Employee {greta.pk} does not exist."]
    assert not ApprovalWorkflow.objects.filter(name="Big spenders").exists()


# --- Workflow editor ------------------------------------------------------------------------


def test_workflow_editor_shows_every_problem_beside_its_input(ada_client, demo):
    before = ApprovalWorkflow.objects.count()

    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(
            name="",
            onetime_cost_above="lots",
            monthly_cost_above="-5",
            **{"step-0-kind": ""},
        ),
    )

    assert response.status_code == 200
    assert errors_beside(response, "name") == ["This field may not be blank."]
    assert errors_beside(response, "onetime_cost_above") == ["A valid number is required."]
    assert errors_beside(response, "monthly_cost_above") == [
        "Ensure this value is greater than or equal to 0."
    ]
    assert list(response.context["steps"].non_form_errors()) == [
        "Add at least one step: say who must approve."
    ]
    page = response.content.decode()
    assert "Add at least one step" in page and "A valid number is required." in page
    assert ApprovalWorkflow.objects.count() == before


def test_workflow_editor_checks_each_step_row(ada_client, demo):
    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(
            **{
                "step-0-kind": "EMPLOYEE",
                # row 1 left blank: ignored, so the rows below keep their own messages
                "step-2-kind": "GROUP",
                "step-3-kind": "MANAGER",
                "step-3-reminder_delay_minutes": "2880",
                "step-3-escalation_delay_minutes": "1440",
                "step-4-kind": "MANAGER",
                "step-4-manager_levels": "0",
            }
        ),
    )

    assert errors_beside(response, "step-0-employee") == ["Name the employee."]
    assert errors_beside(response, "step-1-kind") == []
    assert errors_beside(response, "step-2-group") == ["A group step needs groupId."]
    assert errors_beside(response, "step-3-escalation_delay_minutes") == [
        "Escalation must come after the reminder."
    ]
    assert errors_beside(response, "step-4-manager_levels") == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert not ApprovalWorkflow.objects.filter(name="Big spenders").exists()


def test_workflow_names_are_unique_in_a_tenant(ada_client, demo):
    response = ada_client.post(reverse("manage:workflow-create"), workflow_post(name="Accessories"))

    assert errors_beside(response, "name") == ["A workflow with this name exists."]


def test_admin_creates_a_two_step_workflow(ada_client, demo, ada):
    victor = Employee.objects.get(user__username="victor")
    group = it_group(demo.acme)

    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(
            **{
                "step-0-kind": "EMPLOYEE",
                "step-0-employee": str(victor.pk),
                "step-0-group": str(group.pk),  # ignored: not a group step
                "step-1-kind": "GROUP",
                "step-1-group": str(group.pk),
                "step-1-escalation_delay_minutes": "4320",
                "departments": [str(ada.department_id)],
            }
        ),
    )

    assert response.status_code == 302
    created = ApprovalWorkflow.objects.get(tenant=demo.acme, name="Big spenders")
    assert response["Location"] == f"{reverse('manage:workflows')}#workflow-{created.pk}"
    assert created.priority == 5
    assert created.transaction_types == ["ORDER_ACCESSORIES"]
    assert created.onetime_cost_above == Decimal("100")
    assert created.monthly_cost_above is None
    assert [d.pk for d in created.departments.all()] == [ada.department_id]
    assert created.reason_required_to_reject and not created.reason_required_to_approve
    steps = list(
        created.steps.values_list(
            "position", "sources__kind", "sources__employee_id", "sources__group_id"
        )
    )
    assert steps == [(1, "EMPLOYEE", victor.pk, None), (2, "GROUP", None, group.pk)]
    assert created.steps.get(position=2).escalation_delay_minutes == 72 * 60


def test_admin_edits_a_workflow(ada_client, demo):
    wf = workflow(demo.acme, "Accessories over 40 USD")
    page = ada_client.get(reverse("manage:workflow-edit", args=[wf.pk]))
    assert page.context["form"].initial["onetime_cost_above"] == Decimal("40.00")
    assert [f.initial.get("kind", "") for f in page.context["steps"].forms[:3]] == [
        "MANAGER",
        "GROUP",
        "",
    ]

    response = ada_client.post(
        reverse("manage:workflow-edit", args=[wf.pk]),
        workflow_post(name="Accessories over 50 USD", onetime_cost_above="50", priority="10"),
    )

    assert response.status_code == 302
    wf.refresh_from_db()
    assert (wf.name, wf.onetime_cost_above, wf.steps.count()) == (
        "Accessories over 50 USD",
        Decimal("50.00"),
        1,
    )


def test_previewing_a_draft_shows_its_approvers_and_stores_nothing(ada_client, demo, peter):
    victor = Employee.objects.get(user__username="victor")
    before = (ApprovalWorkflow.objects.count(), ApprovalStep.objects.count())

    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(
            name="Everything over 10",
            priority="1",
            onetime_cost_above="10",
            action="preview",
            **{
                "step-0-kind": "EMPLOYEE",
                "step-0-employee": str(victor.pk),
                "step-1-kind": "GROUP",
                "step-1-group": str(it_group(demo.acme).pk),
                "example-transaction_type": "ORDER_ACCESSORIES",
                "example-requester": str(peter.pk),
                "example-onetime": "44.98",
            },
        ),
    )

    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome["draft_matched"] is True
    approvers = [[a.full_name for a in s.approvers] for s in outcome["preview"].steps]
    assert approvers == [["Victor Hughes"], ["Ada Park", "Ian Tran"]]
    assert "This rule matches the example order." in response.content.decode()
    assert (ApprovalWorkflow.objects.count(), ApprovalStep.objects.count()) == before


def test_preview_of_a_draft_says_when_another_rule_matches_first(ada_client, demo, peter):
    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(
            priority="50",
            onetime_cost_above="10",
            action="preview",
            **{
                "example-transaction_type": "ORDER_ACCESSORIES",
                "example-requester": str(peter.pk),
                "example-onetime": "44.98",
            },
        ),
    )

    outcome = response.context["outcome"]
    assert outcome["draft_matched"] is False
    assert outcome["preview"].workflow.name == "Accessories over 40 USD"


def test_preview_needs_a_requester_and_sane_amounts(ada_client, demo):
    response = ada_client.post(
        reverse("manage:workflow-create"),
        workflow_post(action="preview", **{"example-onetime": "-1"}),
    )

    example = response.context["example"]
    assert example.errors["requester"] == ["Choose who orders."]
    assert example.errors["onetime"] == ["Ensure this value is greater than or equal to 0."]
    assert response.context["outcome"] is None


def test_saving_ignores_an_untouched_example(ada_client, demo):
    response = ada_client.post(
        reverse("manage:workflow-create"), workflow_post(**{"example-onetime": "oops"})
    )

    assert response.status_code == 302


def test_preview_page_shows_the_matching_rule_and_its_approvers(ada_client, demo, peter):
    url = reverse("manage:workflow-preview")

    expensive = ada_client.get(url, {"requester": peter.pk, "onetime": "44.98",
                                       "transaction_type": "ORDER_ACCESSORIES"})  # fmt: skip
    cheap = ada_client.get(url, {"requester": peter.pk, "onetime": "22.49",
                                   "transaction_type": "ORDER_ACCESSORIES"})  # fmt: skip

    preview = expensive.context["outcome"]["preview"]
    assert preview.workflow.name == "Accessories over 40 USD"
    assert [[a.full_name for a in s.approvers] for s in preview.steps] == [
        ["Maria Lopez"],
        ["Ada Park", "Ian Tran"],
    ]
    assert [t["matched"] for t in expensive.context["tried"]] == [True]
    assert cheap.context["outcome"]["preview"].workflow.name == "Accessories"
    assert [t["matched"] for t in cheap.context["tried"]] == [False, True]
    assert "Maria Lopez" in cheap.content.decode()


def test_preview_page_says_when_a_step_is_escalated_to_the_admins(ada_client, demo):
    victor = Employee.objects.get(user__username="victor")  # top of the reporting line

    response = ada_client.get(
        reverse("manage:workflow-preview"),
        {"requester": victor.pk, "onetime": "5", "transaction_type": "ORDER_ACCESSORIES"},
    )

    [step] = response.context["outcome"]["preview"].steps
    assert step.escalated_to_admins and [a.full_name for a in step.approvers] == ["Ada Park"]
    assert "escalated to tenant admins" in response.content.decode()


def test_preview_page_says_when_no_rule_matches(ada_client, demo, peter):
    response = ada_client.get(
        reverse("manage:workflow-preview"),
        {"requester": peter.pk, "transaction_type": "UNSUSPEND"},  # the demo asks no approval
    )

    assert response.context["outcome"]["preview"].workflow is None
    assert "No rule matches" in response.content.decode()


def test_preview_page_offers_only_the_tenants_people(ada_client, demo):
    gina = Employee.objects.get(user__username="gina")

    response = ada_client.get(reverse("manage:workflow-preview"), {"requester": gina.pk})

    assert "requester" in response.context["form"].errors
    assert response.context["outcome"] is None


# --- Workflow order and deletion ------------------------------------------------------------


def priorities(tenant) -> list[tuple[str, int]]:
    return list(
        ApprovalWorkflow.objects.filter(tenant=tenant)
        .order_by("priority", "id")
        .values_list("name", "priority")
    )


def only_the_accessory_rules(tenant) -> None:
    """The demo's two accessory rules, without its rules for the other transaction types."""
    ApprovalWorkflow.objects.filter(tenant=tenant).exclude(name__startswith="Accessories").delete()


def test_moving_a_workflow_up_and_down_renumbers_priorities(ada_client, demo):
    acme = demo.acme
    only_the_accessory_rules(acme)
    ApprovalWorkflow.objects.create(tenant=acme, name="Fallback", priority=99)
    cheap = workflow(acme, "Accessories")
    url = reverse("manage:workflow-move", args=[cheap.pk])

    response = ada_client.post(url, {"direction": "up"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#workflow-{cheap.pk}")
    assert priorities(acme) == [
        ("Accessories", 10),
        ("Accessories over 40 USD", 20),
        ("Fallback", 30),
    ]
    ada_client.post(url, {"direction": "up"})  # already first: nothing moves
    assert priorities(acme)[0][0] == "Accessories"
    ada_client.post(url, {"direction": "down"})
    ada_client.post(url, {"direction": "down"})
    assert priorities(acme) == [
        ("Accessories over 40 USD", 10),
        ("Fallback", 20),
        ("Accessories", 30),
    ]
    assert priorities(demo.globex) == [("Manager approval", 10)]


def test_moving_needs_a_post(ada_client, demo):
    wf = workflow(demo.acme, "Accessories")

    assert ada_client.get(reverse("manage:workflow-move", args=[wf.pk])).status_code == 405


def test_workflow_list_shows_rules_in_priority_order_with_conditions(ada_client, demo):
    only_the_accessory_rules(demo.acme)
    workflow(demo.acme, "Accessories").steps.update(reminder_delay_minutes=12 * 60)

    response = ada_client.get(reverse("manage:workflows"))

    names = [wf.name for wf in response.context["workflows"]]
    assert names == ["Accessories over 40 USD", "Accessories"]
    page = response.content.decode()
    assert "one-time cost over 40.00" in page
    assert "Approver group IT" in page
    assert "reminder after 12 h" in page


def test_deleting_a_workflow_asks_first(ada_client, demo):
    wf = workflow(demo.acme, "Accessories")
    url = reverse("manage:workflow-delete", args=[wf.pk])

    page = ada_client.get(url)
    assert "Delete the rule “Accessories”?" in page.content.decode()
    assert ApprovalWorkflow.objects.filter(pk=wf.pk).exists()

    response = ada_client.post(url)

    assert response.status_code == 302
    assert not ApprovalWorkflow.objects.filter(pk=wf.pk).exists()


# --- Approver groups ------------------------------------------------------------------------


def test_admin_creates_and_edits_a_group(ada_client, demo, peter, maria):
    response = ada_client.post(
        reverse("manage:group-create"), {"name": " Finance ", "members": [peter.pk, maria.pk]}
    )
    assert response.status_code == 302
    group = EmployeeGroup.objects.get(tenant=demo.acme, name="Finance")
    assert set(group.members.values_list("pk", flat=True)) == {peter.pk, maria.pk}

    ada_client.post(
        reverse("manage:group-edit", args=[group.pk]), {"name": "Finance", "members": [maria.pk]}
    )
    assert list(group.members.values_list("pk", flat=True)) == [maria.pk]


def test_group_names_are_required_and_unique(ada_client, demo):
    blank = ada_client.post(reverse("manage:group-create"), {"name": ""})
    taken = ada_client.post(reverse("manage:group-create"), {"name": "it"})

    assert blank.context["errors"]["name"] == ["Give the group a name."]
    assert taken.context["errors"]["name"] == ["There is a group it already."]


def test_group_ignores_other_tenants_people(ada_client, demo):
    gina = Employee.objects.get(user__username="gina")

    ada_client.post(reverse("manage:group-create"), {"name": "Mixed", "members": [gina.pk]})

    assert not EmployeeGroup.objects.get(name="Mixed").members.exists()


def test_a_group_in_use_cannot_be_deleted(ada_client, demo):
    group = it_group(demo.acme)

    response = ada_client.post(reverse("manage:group-delete", args=[group.pk]))

    assert response.status_code == 200
    assert "change that step first" in response.content.decode()
    assert EmployeeGroup.objects.filter(pk=group.pk).exists()
    assert ApprovalStepSource.objects.filter(group=group).exists()


def test_an_unused_group_is_deleted(ada_client, demo):
    group = EmployeeGroup.objects.create(tenant=demo.acme, name="Spare")

    response = ada_client.post(reverse("manage:group-delete", args=[group.pk]))

    assert response.status_code == 302
    assert not EmployeeGroup.objects.filter(pk=group.pk).exists()


# --- Order properties -----------------------------------------------------------------------


def field_post(**overrides) -> dict:
    data = {
        "field_id": "COST_CENTER",
        "label": "Cost centre",
        "type": "TEXT",
        "required": "on",
        "min_length": "4",
        "max_length": "8",
        "reg_ex": "[0-9]+",
        "pattern": "digits",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def misc(demo) -> PropertyGroup:
    return PropertyGroup.objects.get(
        tenant=demo.acme, transaction_type="ORDER_ACCESSORIES", group_id="MISCELLANEOUS"
    )


def test_properties_page_lists_groups_and_fields_of_a_type(ada_client, demo):
    response = ada_client.get(reverse("manage:properties"), {"type": "ORDER_ACCESSORIES"})

    page = response.content.decode()
    assert "MISCELLANEOUS" in page and "Contact Phone Number" in page
    assert "Other · other…" in page
    other = ada_client.get(reverse("manage:properties"), {"type": "UPGRADE"})
    assert "Contact Phone Number" not in other.content.decode()


def test_admin_adds_a_text_field_and_checkout_asks_it(ada_client, demo, misc, peter_api):
    url = reverse("manage:property-field-create", args=[misc.pk])

    response = ada_client.post(url, field_post())

    assert response.status_code == 302
    field = misc.fields.get(field_id="COST_CENTER")
    assert (field.label, field.validation, field.min_length, field.max_length, field.reg_ex) == (
        "Cost centre",
        "REQUIRED",
        4,
        8,
        "[0-9]+",
    )
    api = peter_api.get("orders/properties", {"transactionType": "ORDER_ACCESSORIES"}).json()
    fields = api["properties"]["items"][0]["fields"]
    assert {"id": "COST_CENTER", "label": "Cost centre", "type": "TEXT",
            "validation": "REQUIRED", "minLength": 4, "maxLength": 8, "pattern": "digits",
            "regEx": "[0-9]+"} in fields  # fmt: skip


def test_field_form_shows_every_problem_beside_its_input(ada_client, demo, misc):
    response = ada_client.post(
        reverse("manage:property-field-create", args=[misc.pk]),
        field_post(field_id="CONTACT_NUMBER", label="", min_length="9", reg_ex="[0-9"),
    )

    form = response.context["form"]
    assert form.errors["field_id"] == ["MISCELLANEOUS has a CONTACT_NUMBER already."]
    assert form.errors["label"] == ["Give the field a label."]
    assert form.errors["max_length"] == ["The maximum is below the minimum."]
    assert form.errors["reg_ex"][0].startswith("Not a valid regular expression")
    assert misc.fields.count() == 4


def test_a_choice_field_has_at_most_one_other_choice(ada_client, demo, misc):
    url = reverse("manage:property-field-create", args=[misc.pk])
    choices = {
        "choice-0-id": "DESK", "choice-0-label": "At my desk",
        "choice-1-id": "ELSEWHERE", "choice-1-label": "Elsewhere", "choice-1-other": "on",
        "choice-2-id": "OTHER", "choice-2-label": "Other", "choice-2-other": "on",
    }  # fmt: skip

    two_others = ada_client.post(url, field_post(field_id="WHERE", type="CHOICE", **choices))
    none = ada_client.post(url, field_post(field_id="WHERE", type="CHOICE"))

    assert two_others.context["choice_errors"] == ["Only one choice may ask for other text."]
    assert none.context["choice_errors"] == ["A choice field needs at least one choice."]
    assert not misc.fields.filter(field_id="WHERE").exists()

    del choices["choice-1-other"]
    response = ada_client.post(url, field_post(field_id="WHERE", type="CHOICE", **choices))

    assert response.status_code == 302
    field = misc.fields.get(field_id="WHERE")
    assert list(field.choices.values_list("choice_id", "is_other")) == [
        ("DESK", False),
        ("ELSEWHERE", False),
        ("OTHER", True),
    ]
    # Length rules belong to TEXT fields only
    assert (field.min_length, field.max_length, field.reg_ex) == (None, None, "")


def test_choice_rows_need_an_id_and_a_label(ada_client, demo, misc):
    response = ada_client.post(
        reverse("manage:property-field-create", args=[misc.pk]),
        field_post(field_id="WHERE", type="CHOICE", **{
            "choice-0-id": "A", "choice-0-label": "",
            "choice-1-id": "A", "choice-1-label": "Again",
            "choice-2-id": "", "choice-2-label": "",  # blank: ignored
            "choice-3-id": "B C", "choice-3-label": "Spaces",
        }),
    )  # fmt: skip

    rows = response.context["choices"]
    assert rows[0]["errors"] == {"label": ["Add a label."]}
    assert rows[1]["errors"] == {"id": ["Used twice."]}
    assert rows[2]["errors"] == {"id": ["Use 1 to 50 letters, digits, _ . or -."]}


def test_admin_edits_and_deletes_a_field(ada_client, demo, misc):
    field = misc.fields.get(field_id="REASON")
    edit = reverse("manage:property-field-edit", args=[field.pk])
    page = ada_client.get(edit)
    assert [row["id"] for row in page.context["choices"][:3]] == [
        "NEW_HIRE",
        "REPLACEMENT",
        "OTHER",
    ]

    ada_client.post(edit, field_post(field_id="REASON", label="Why", type="CHOICE",
                                       **{"choice-0-id": "NEW_HIRE",
                                          "choice-0-label": "New hire"}))  # fmt: skip
    field.refresh_from_db()
    assert field.label == "Why"
    assert list(field.choices.values_list("choice_id", flat=True)) == ["NEW_HIRE"]

    delete = reverse("manage:property-field-delete", args=[field.pk])
    assert "Delete the field “Why”?" in ada_client.get(delete).content.decode()
    assert ada_client.post(delete).status_code == 302
    assert not PropertyField.objects.filter(pk=field.pk).exists()


def test_admin_adds_and_deletes_a_group(ada_client, demo):
    url = reverse("manage:property-group-add")

    # UNSUSPEND: a type the demo asks nothing for
    response = ada_client.post(url, {"transaction_type": "UNSUSPEND", "group_id": "SHIPPING"})
    taken = ada_client.post(url, {"transaction_type": "UNSUSPEND", "group_id": "SHIPPING"})
    malformed = ada_client.post(url, {"transaction_type": "UNSUSPEND", "group_id": "no spaces"})

    group = PropertyGroup.objects.get(tenant=demo.acme, transaction_type="UNSUSPEND")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/properties/?type=UNSUSPEND#group-{group.pk}"
    assert taken.context["group_errors"] == {"group_id": ["SHIPPING exists already."]}
    assert malformed.context["group_errors"]["group_id"] == [
        "Use 1 to 50 letters, digits, _ . or -."
    ]
    ada_client.post(reverse("manage:property-group-delete", args=[group.pk]))
    assert not PropertyGroup.objects.filter(pk=group.pk).exists()


# --- Notifications --------------------------------------------------------------------------


def test_switched_off_notifications_are_not_sent(ada_client, demo, peter, maria):
    everything_but_approved = [e for e in Notification.Event.values if e != "ORDER_APPROVED"]

    response = ada_client.post(
        reverse("manage:notifications"), {"enabled": everything_but_approved}
    )

    assert response.status_code == 302
    assert (
        NotificationSetting.objects.get(tenant=demo.acme, event="ORDER_APPROVED").enabled is False
    )
    order = place_order(peter)
    assert notifications.notify(order, "ORDER_APPROVED", [peter]) == []
    assert len(notifications.notify(order, "ORDER_REJECTED", [peter])) == 1
    assert not Notification.objects.filter(order=order, event="ORDER_APPROVED").exists()
    page = ada_client.get(reverse("manage:notifications"))
    states = {e["value"]: e["enabled"] for e in page.context["events"]}
    assert states["ORDER_APPROVED"] is False and states["ORDER_REJECTED"] is True
    # Another tenant's switches are its own
    assert notifications.is_enabled(demo.globex.pk, "ORDER_APPROVED")


def test_switching_approval_requests_off_silences_routing(ada_client, demo, peter):
    ada_client.post(reverse("manage:notifications"), {"enabled": []})

    order = routed(place_order(peter))

    assert order.status == "AWAITING_APPROVAL"
    assert not Notification.objects.filter(order=order).exists()


# --- Catalog availability -------------------------------------------------------------------


def test_catalog_availability_shapes_the_catalog_page_and_api(
    ada_client, client, demo, peter, peter_api
):
    def offered_ids():
        items = peter_api.get("catalog/accessories", {"limit": 100}).json()
        return {int(a["id"]) for a in items["accessories"]["items"]}

    pouch = leather_pouch()
    acme_offers = set(Accessory.objects.offered_to(demo.acme).values_list("pk", flat=True))
    assert pouch.pk in offered_ids()
    assert pouch.name in as_user(client, peter).get("/catalog/").content.decode()

    response = ada_client.post(
        reverse("manage:catalog"),
        {"section": "accessories", "offered": [str(pk) for pk in acme_offers - {pouch.pk}]},
    )

    assert response.status_code == 302
    assert pouch.pk not in offered_ids()
    assert offered_ids() == acme_offers - {pouch.pk}
    client.force_login(peter.user)
    assert pouch.name not in client.get("/catalog/").content.decode()
    # globex's offer is untouched
    assert Accessory.objects.offered_to(demo.globex).count() == 5


def test_catalog_page_shows_what_is_offered(ada_client, demo):
    response = ada_client.get(reverse("manage:catalog"))

    sections = {s["key"]: s for s in response.context["sections"]}
    assert sections["devices"]["offered"] == Device.objects.offered_to(demo.acme).count()
    pouch_pk = leather_pouch().pk
    pouch = next(a for a in sections["accessories"]["items"] if a.pk == pouch_pk)
    assert pouch.offered


def test_set_offered_refuses_unknown_items(ada_client, demo):
    before = Accessory.objects.offered_to(demo.acme).count()

    ada_client.post(reverse("manage:catalog"), {"section": "accessories", "offered": ["1"]})

    assert Accessory.objects.offered_to(demo.acme).count() == before


# --- People ---------------------------------------------------------------------------------


def employee_post(employee: Employee, **overrides) -> dict:
    hierarchy = Hierarchy.objects.get(tenant=employee.tenant, is_default=True)
    line = ReportingLine.objects.filter(hierarchy=hierarchy, employee=employee).first()
    data = {
        "status": employee.status,
        f"manager_{hierarchy.pk}": str(line.manager_id) if line else "",
    }
    if employee.is_tenant_admin:
        data["is_tenant_admin"] = "on"
    data.update(overrides)
    return data


def manager_of(employee: Employee) -> str | None:
    line = ReportingLine.objects.filter(employee=employee, hierarchy__is_default=True).first()
    return line.manager.full_name if line else None


def test_people_page_lists_employees_with_their_managers(ada_client, demo):
    response = ada_client.get(reverse("manage:employees"))

    rows = {r["employee"].full_name: r for r in response.context["rows"]}
    assert rows["Peter Edwards"]["manager"].full_name == "Maria Lopez"
    assert rows["Victor Hughes"]["manager"] is None
    assert "Gina Rossi" not in rows
    search = ada_client.get(reverse("manage:employees"), {"q": "lopez"})
    assert [r["employee"].full_name for r in search.context["rows"]] == ["Maria Lopez"]


def test_admin_sets_a_manager(ada_client, demo, sam, ian):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)

    response = ada_client.post(
        reverse("manage:employee", args=[sam.pk]),
        employee_post(sam, **{f"manager_{hierarchy.pk}": str(ian.pk)}),
    )

    assert response.status_code == 302
    assert manager_of(sam) == "Ian Tran"


def test_a_manager_loop_is_refused(ada_client, demo, maria, peter):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)

    response = ada_client.post(
        reverse("manage:employee", args=[maria.pk]),
        employee_post(maria, **{f"manager_{hierarchy.pk}": str(peter.pk)}),
    )

    assert response.status_code == 200
    assert response.context["rows"][0]["errors"] == [
        "Peter Edwards reports to Maria Lopez: that would be a loop."
    ]
    assert manager_of(maria) == "Victor Hughes"


@pytest.mark.parametrize("who", ["maria", "gina"])
def test_the_page_refuses_oneself_or_an_outsider_as_manager(ada_client, demo, maria, who):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)
    candidate = Employee.objects.get(user__username=who)

    response = ada_client.post(
        reverse("manage:employee", args=[maria.pk]),
        employee_post(maria, **{f"manager_{hierarchy.pk}": str(candidate.pk)}),
    )

    expected = {"maria": "Nobody manages themselves.", "gina": "Choose an active colleague."}
    assert response.context["rows"][0]["errors"] == [expected[who]]
    assert manager_of(maria) == "Victor Hughes"


def test_nobody_manages_themselves(demo, ada, maria):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)

    with pytest.raises(RequestInvalid) as refused:
        people_services.set_manager(employee=maria, manager=maria, hierarchy=hierarchy, actor=ada)

    assert refused.value.problems[0].message == "Nobody manages themselves."


def test_a_first_line_in_a_new_hierarchy_is_stored_in_it(demo, ada, maria, peter):
    # Given a hierarchy with no line yet (a cost-center view of the company, say)
    cost_centers = Hierarchy.objects.create(tenant=demo.acme, name="Cost centers")

    # When peter is placed under maria in it
    people_services.set_manager(employee=peter, manager=maria, hierarchy=cost_centers, actor=ada)

    # Then he reports to her there, and his reporting line is untouched
    assert selectors.manager_of(peter, hierarchy=cost_centers) == maria
    assert selectors.manager_of(peter) == maria  # the demo's reporting line, as before
    assert ReportingLine.objects.filter(hierarchy=cost_centers).count() == 1


def test_admin_grants_rights_and_deactivates(ada_client, demo, ian, sam):
    ada_client.post(
        reverse("manage:employee", args=[ian.pk]), employee_post(ian, is_tenant_admin="on")
    )
    ada_client.post(
        reverse("manage:employee", args=[sam.pk]), employee_post(sam, status="INACTIVE")
    )

    ian.refresh_from_db()
    sam.refresh_from_db()
    assert ian.is_tenant_admin and sam.status == "INACTIVE"


def test_admins_cannot_lock_themselves_out(ada_client, demo, ada):
    response = ada_client.post(
        reverse("manage:employee", args=[ada.pk]),
        {**employee_post(ada, status="INACTIVE"), "is_tenant_admin": ""},
    )

    assert response.context["errors"] == {
        "is_tenant_admin": ["You cannot remove your own rights."],
        "status": ["You cannot deactivate yourself."],
    }
    ada.refresh_from_db()
    assert ada.is_tenant_admin and ada.status == "ACTIVE"


def test_admin_adds_and_ends_a_delegation(ada_client, demo, maria, ian):
    today = timezone.localdate()
    url = reverse("manage:employee-delegation-add", args=[maria.pk])

    wrong = ada_client.post(url, {"delegate": ian.pk, "starts_on": today,
                                    "ends_on": today - timedelta(days=1)})  # fmt: skip
    assert wrong.context["delegation_errors"] == {"ends_on": ["The end comes before the start."]}
    assert not Delegation.objects.exists()

    response = ada_client.post(url, {"delegate": ian.pk, "starts_on": today, "ends_on": today})
    assert response.status_code == 302
    delegation = Delegation.objects.get(employee=maria)
    assert delegation.delegate == ian

    ada_client.post(reverse("manage:employee-delegation-end", args=[maria.pk, delegation.pk]))
    assert not Delegation.objects.exists()


def test_a_delegate_must_be_a_colleague(ada_client, demo, maria):
    gina = Employee.objects.get(user__username="gina")
    today = timezone.localdate()

    response = ada_client.post(
        reverse("manage:employee-delegation-add", args=[maria.pk]),
        {"delegate": gina.pk, "starts_on": today, "ends_on": today},
    )

    assert "delegate" in response.context["delegation_form"].errors
    assert not Delegation.objects.exists()


# --- Dashboard ------------------------------------------------------------------------------


def decided_order(requester: Employee, approver: Employee, waited: timedelta, weeks_ago: int):
    """An order whose first step `approver` approved after `waited`, `weeks_ago` weeks back."""
    order = routed(place_order(requester))
    decision = approval_services.decide(
        approval_services.DecisionRequest(order=order, actor=approver, action="APPROVE")
    )
    assert decision == "APPROVAL_QUEUED"
    stored = Decision.objects.get(step__run__order=order)
    approval_services.apply_decision(stored.pk)
    decided_at = timezone.now() - timedelta(weeks=weeks_ago)
    Decision.objects.filter(pk=stored.pk).update(
        created_at=decided_at, step_started_at=decided_at - waited
    )
    RunStep.objects.filter(pk=stored.step_id).update(started_at=decided_at - waited)
    return order


def test_dashboard_counts_orders_and_waiting_approvals(ada_client, demo, peter, maria):
    decided_order(peter, maria, timedelta(hours=2), weeks_ago=0)
    routed(place_order(peter))  # waits for maria

    response = ada_client.get(reverse("manage:dashboard"))

    counts = {s["status"]: s["count"] for s in response.context["statuses"]}
    assert counts["AWAITING_APPROVAL"] == 2  # the decided one waits for IT now
    assert response.context["waiting_total"] == 2
    assert [(lv["position"], lv["count"]) for lv in response.context["levels"]] == [(1, 1), (2, 1)]


def test_dashboard_chart_shows_median_time_to_decision_per_week(ada_client, demo, peter, maria):
    decided_order(peter, maria, timedelta(hours=1), weeks_ago=0)
    decided_order(peter, maria, timedelta(hours=3), weeks_ago=0)
    decided_order(peter, maria, timedelta(hours=8), weeks_ago=0)
    decided_order(peter, maria, timedelta(minutes=30), weeks_ago=3)
    decided_order(peter, maria, timedelta(days=20), weeks_ago=9)  # too old to show

    response = ada_client.get(reverse("manage:dashboard"))

    weeks = response.context["weeks"]
    assert len(weeks) == 8
    assert (weeks[-1]["count"], weeks[-1]["wait"]) == (3, "3 h")
    assert (weeks[-4]["count"], weeks[-4]["wait"]) == (1, "30 min")
    assert sum(w["count"] for w in weeks) == 4
    bars = response.context["chart"]["bars"]
    assert [bar["empty"] for bar in bars] == [True] * 4 + [False, True, True, False]
    assert bars[-1]["height"] > bars[-4]["height"] > 0
    page = response.content.decode()
    assert page.count("<rect ") == 2 and 'data-testid="decision-chart"' in page


# --- Constant queries on list pages ---------------------------------------------------------


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def add_many_rows(tenant, ada) -> None:
    """More of everything the list pages show."""
    hierarchy = Hierarchy.objects.get(tenant=tenant, is_default=True)
    people = [
        Employee.objects.create(
            tenant=tenant, company_employee_id=f"extra{i}", first_name="Extra", last_name=str(i),
            email=f"extra{i}@acme.com", department=ada.department,
        )
        for i in range(12)
    ]  # fmt: skip
    for person in people:
        ReportingLine.objects.create(hierarchy=hierarchy, employee=person, manager=ada)
    for i in range(6):
        group = EmployeeGroup.objects.create(tenant=tenant, name=f"Group {i}")
        group.members.set(people[i : i + 3])
        wf = ApprovalWorkflow.objects.create(
            tenant=tenant, name=f"Rule {i}", priority=100 + i, transaction_types=["UPGRADE"]
        )
        wf.departments.set([ada.department])
        approval_step(workflow=wf, position=1, kind=StepRule.Kind.GROUP, group=group)
        approval_step(workflow=wf, position=2, kind=StepRule.Kind.EMPLOYEE, employee=people[i])
    misc = PropertyGroup.objects.get(
        tenant=tenant, transaction_type="ORDER_ACCESSORIES", group_id="MISCELLANEOUS"
    )
    for i in range(5):
        group = PropertyGroup.objects.create(
            tenant=tenant, transaction_type="ORDER_ACCESSORIES", group_id=f"G{i}", position=i + 1
        )
        field = PropertyField.objects.create(group=group, field_id="F", label="F", type="CHOICE")
        field.choices.create(choice_id="A", label="A")
        PropertyField.objects.create(group=misc, field_id=f"EXTRA{i}", label=f"Extra {i}")
    NotificationSetting.objects.create(tenant=tenant, event="ORDER_SHIPPED", enabled=False)


LIST_PAGES = [
    "manage:dashboard",
    "manage:workflows",
    "manage:groups",
    "manage:properties",
    "manage:employees",
    "manage:catalog",
    "manage:notifications",
]


def test_list_pages_run_a_fixed_number_of_queries(
    ada_client, demo, ada, peter, maria, django_assert_max_num_queries
):
    decided_order(peter, maria, timedelta(hours=1), weeks_ago=1)
    few = {name: queries_for(ada_client, reverse(name)) for name in LIST_PAGES}

    add_many_rows(demo.acme, ada)
    for _ in range(4):
        decided_order(peter, maria, timedelta(hours=2), weeks_ago=0)
    many = {name: queries_for(ada_client, reverse(name)) for name in LIST_PAGES}

    assert many == few
    for name in LIST_PAGES:
        with django_assert_max_num_queries(20):
            ada_client.get(reverse(name))


def test_the_admins_delegate_list_is_the_delegation_pages(ada_client, demo, maria, sam, peter):
    # One form and one rule for both pages: active colleagues, never the person themself
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)
    url = reverse("manage:employee", args=[maria.pk])

    field = ada_client.get(url).context["delegation_form"].fields["delegate"]

    offered = {pk for pk, _label in field.choices if pk}
    assert peter.pk in offered
    assert maria.pk not in offered and sam.pk not in offered


@pytest.mark.parametrize(
    ("who", "message"),
    [("maria", "You cannot be your own delegate."), ("sam", "Choose an active colleague.")],
)
def test_the_admin_is_told_why_a_delegate_is_refused(ada_client, demo, maria, sam, who, message):
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)
    today = timezone.localdate()

    response = ada_client.post(
        reverse("manage:employee-delegation-add", args=[maria.pk]),
        {"delegate": {"maria": maria, "sam": sam}[who].pk, "starts_on": today, "ends_on": today},
    )

    assert response.context["delegation_errors"] == {"delegate": [message]}
    assert message in response.content.decode()
    assert not Delegation.objects.exists()
