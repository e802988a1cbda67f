"""The impact preview of a workflow change: the tenant's recent orders replayed by today's rules
and by the changed ones, side by side, with nothing stored (approvals.impact, its API and pages).

acme's demo rules, as the tests lean on them: "Accessories over 40 USD" (manager, then IT: Ada
and Ian), then "Accessories" (manager); nothing for unsuspending a line. Peter's and Sam's
manager is Maria, hers Victor."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import impact
from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow
from orders.models import Order
from portal.exceptions import NotTenantAdmin
from tests.approvals.conftest import assert_envelope, assert_mobproc_error, place_order, routed
from tests.approvals.conftest import workflow as workflow_named
from tests.demo_data import employee

pytestmark = pytest.mark.usefixtures("vendors_unreached")

IMPACT = "approval-workflows/impact"


@pytest.fixture
def victor(demo):
    return employee("victor")


@pytest.fixture
def greta(demo):
    """globex's tenant admin."""
    return employee("greta")


def order_of(requester, *, days_ago: float = 1, transaction_type="ORDER_ACCESSORIES",
             onetime="10", monthly="0", currency="USD", number=None) -> Order:  # fmt: skip
    """An order as routing sees it, submitted `days_ago` days ago (how it was placed does not
    matter to a replay; its facts do)."""
    order = Order.objects.create(
        tenant=requester.tenant,
        transaction_type=transaction_type,
        requested_by=requester,
        account_holder=requester,
        cost_onetime=Decimal(onetime),
        cost_monthly=Decimal(monthly),
        currency=currency,
        external_order_number=number,
    )
    submitted = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(submitted_at=submitted)
    return order


def draft(name="Big spenders", *, priority=5, steps=None, **conditions) -> dict:
    """A workflow as POST /approval-workflows takes it."""
    return {
        "name": name,
        "priority": priority,
        "conditions": conditions,
        "steps": steps or [{"kind": "MANAGER"}],
    }


def validated(data: dict, tenant, instance=None) -> dict:
    from approvals.workflow_input import WorkflowInputSerializer

    serializer = WorkflowInputSerializer(
        data=data, context={"tenant": tenant, "instance": instance}
    )
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def names(level) -> list[str]:
    return sorted(e.full_name for e in level)


def workflow_ids(tenant) -> list[str]:
    return [
        str(pk)
        for pk in ApprovalWorkflow.objects.filter(tenant=tenant).values_list("pk", flat=True)
    ]


def first_template(response) -> str:
    """The page's own template (the first rendered; partials come after)."""
    return response.templates[0].name


def by_order(result: impact.Impact) -> dict[int, impact.OrderImpact]:
    return {item.order.pk: item for item in result.orders}


def stored_rules() -> dict:
    """Every row a replay could touch, as it is."""
    return {
        "workflows": list(ApprovalWorkflow.objects.order_by("pk").values()),
        "steps": list(ApprovalStep.objects.order_by("pk").values()),
        "runs": list(ApprovalRun.objects.order_by("pk").values()),
        "m2m": [
            (
                wf.pk,
                sorted(d.pk for d in wf.departments.all()),
                sorted(r.pk for r in wf.regions.all()),
            )
            for wf in ApprovalWorkflow.objects.prefetch_related("departments", "regions")
        ],
    }


# --- The replay --------------------------------------------------------------------------------


def test_a_rule_tried_first_takes_orders_from_another_with_other_approvers(ada, peter, victor):
    big = order_of(peter, onetime="150.00", monthly="5.00")
    small = order_of(peter, onetime="50.00")
    change = impact.WorkflowDraft(
        validated(
            draft(
                priority=5,
                steps=[{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}],
                transactionTypes=["ORDER_ACCESSORIES"],
                oneTimeCostAbove="100",
            ),
            ada.tenant,
        )
    )

    result = impact.impact_of(change, tenant=ada.tenant, actor=ada)

    assert result.orders_replayed == 2 and result.unchanged == 1
    [item] = result.orders
    assert item.order.pk == big.pk
    assert item.effects == ("MATCHED_ANOTHER_RULE", "OTHER_APPROVERS")
    assert item.before.workflow.name == "Accessories over 40 USD"
    assert [names(level) for level in item.before.approvers] == [
        ["Maria Lopez"],
        ["Ada Park", "Ian Tran"],
    ]
    assert item.after.workflow == impact.WorkflowRef(None, "Big spenders", draft=True)
    assert [names(level) for level in item.after.approvers] == [["Victor Hughes"]]
    moved = result.groups["MATCHED_ANOTHER_RULE"]
    assert moved.count == 1
    assert moved.amounts == [impact.Amount("USD", Decimal("150.00"), Decimal("5.00"))]
    assert result.groups["OTHER_APPROVERS"].count == 1
    assert small.pk not in by_order(result)


def test_other_approvers_under_the_same_rule(ada, peter, sam, victor):
    """Editing "Accessories": Victor instead of the requester's manager (Maria)."""
    accessories = workflow_named(ada.tenant, "Accessories")
    orders = [order_of(peter, onetime="10.00"), order_of(sam, onetime="20.00", monthly="1.50")]
    order_of(peter, onetime="45.00")  # over 40 USD: another rule, untouched
    to_victor = [{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}]
    data = validated(
        draft("Accessories", priority=20, steps=to_victor, transactionTypes=["ORDER_ACCESSORIES"]),
        ada.tenant,
        accessories,
    )

    result = impact.impact_of(
        impact.WorkflowDraft(data, workflow=accessories), tenant=ada.tenant, actor=ada
    )

    assert set(by_order(result)) == {o.pk for o in orders}
    for item in result.orders:
        assert item.effects == ("OTHER_APPROVERS",)
        assert item.before.workflow == impact.WorkflowRef(accessories.pk, "Accessories")
        assert item.after.workflow.draft is True
        assert [names(level) for level in item.before.approvers] == [["Maria Lopez"]]
        assert [names(level) for level in item.after.approvers] == [["Victor Hughes"]]
    group = result.groups["OTHER_APPROVERS"]
    assert group.count == 2
    assert group.amounts == [impact.Amount("USD", Decimal("30.00"), Decimal("1.50"))]
    assert result.groups["MATCHED_ANOTHER_RULE"].count == 0
    assert result.unchanged == 1


def test_deleting_a_rule_frees_its_orders_of_approval(ada, peter):
    """Deleting "Accessories": accessories up to 40 USD need no approval any more."""
    freed = [order_of(peter, onetime="10.00"), order_of(peter, onetime="12.50", currency="EUR")]
    kept = order_of(peter, onetime="45.00")
    accessories = workflow_named(ada.tenant, "Accessories")

    result = impact.impact_of(
        impact.WorkflowDeletion(accessories), tenant=ada.tenant, actor=ada, days=30
    )

    assert result.days == 30 and result.orders_replayed == 3
    assert set(by_order(result)) == {o.pk for o in freed}
    for item in result.orders:
        assert item.effects == ("NO_LONGER_NEEDS_APPROVAL",)
        assert item.before.workflow.name == "Accessories"
        assert item.after == impact.Routed(workflow=None)
    group = result.groups["NO_LONGER_NEEDS_APPROVAL"]
    assert group.count == 2
    # Per currency, in currency order.
    assert group.amounts == [
        impact.Amount("EUR", Decimal("12.50"), Decimal("0")),
        impact.Amount("USD", Decimal("10.00"), Decimal("0")),
    ]
    assert kept.pk not in by_order(result)
    assert ApprovalWorkflow.objects.filter(pk=accessories.pk).exists()


def test_a_catch_all_rule_makes_unruled_orders_need_approval(ada, peter):
    resumed = order_of(peter, transaction_type="UNSUSPEND", onetime="0", monthly="25.00")
    order_of(peter, onetime="10.00")  # "Accessories" still comes first

    result = impact.impact_of(
        impact.WorkflowDraft(validated(draft("Everything else", priority=1000), ada.tenant)),
        tenant=ada.tenant, actor=ada,
    )  # fmt: skip

    [item] = result.orders
    assert item.order.pk == resumed.pk
    assert item.effects == ("NOW_NEEDS_APPROVAL",)
    assert item.before == impact.Routed(workflow=None)
    assert item.after.workflow.name == "Everything else"
    assert [names(level) for level in item.after.approvers] == [["Maria Lopez"]]
    group = result.groups["NOW_NEEDS_APPROVAL"]
    assert (group.count, group.amounts) == (
        1,
        [impact.Amount("USD", Decimal("0"), Decimal("25.00"))],
    )


def test_a_new_priority_order_replays_the_rules_in_that_order(ada, peter):
    """ "Accessories" before "Accessories over 40 USD": a 45 USD order is the manager's alone."""
    over_40 = order_of(peter, onetime="45.00")
    order_of(peter, onetime="10.00")  # "Accessories" either way
    rules = list(ApprovalWorkflow.objects.filter(tenant=ada.tenant).order_by("priority"))
    ids = [wf.pk for wf in rules]
    ids[0], ids[1] = ids[1], ids[0]

    result = impact.impact_of(impact.PriorityOrder(ids), tenant=ada.tenant, actor=ada)

    [item] = result.orders
    assert item.order.pk == over_40.pk
    assert item.effects == ("MATCHED_ANOTHER_RULE", "OTHER_APPROVERS")
    assert (item.before.workflow.name, item.after.workflow.name) == (
        "Accessories over 40 USD",
        "Accessories",
    )
    assert [names(level) for level in item.after.approvers] == [["Maria Lopez"]]
    priorities = list(ApprovalWorkflow.objects.filter(tenant=ada.tenant).order_by("priority"))
    assert priorities == rules  # nothing stored


def test_editing_a_rule_compares_with_todays_version(ada, peter):
    """ "Accessories over 40 USD" raised to 100 USD and cut to the manager alone."""
    over_40 = workflow_named(ada.tenant, "Accessories over 40 USD")
    mid = order_of(peter, onetime="50.00")
    big = order_of(peter, onetime="150.00")
    data = validated(
        draft("Accessories over 100 USD", priority=10, transactionTypes=["ORDER_ACCESSORIES"],
              oneTimeCostAbove="100"),
        ada.tenant, over_40,
    )  # fmt: skip

    result = impact.impact_of(
        impact.WorkflowDraft(data, workflow=over_40), tenant=ada.tenant, actor=ada
    )

    items = by_order(result)
    # The 150 USD order stays with the rule, which now asks the manager alone.
    assert items[big.pk].before.workflow == impact.WorkflowRef(
        over_40.pk, "Accessories over 40 USD"
    )
    assert items[big.pk].after.workflow == impact.WorkflowRef(
        over_40.pk, "Accessories over 100 USD", draft=True
    )
    assert items[big.pk].effects == ("OTHER_APPROVERS",)
    # The 50 USD order falls through to "Accessories".
    assert items[mid.pk].effects == ("MATCHED_ANOTHER_RULE", "OTHER_APPROVERS")
    assert items[mid.pk].after.workflow.name == "Accessories"
    assert workflow_named(ada.tenant, "Accessories over 40 USD").onetime_cost_above == 40


def test_only_orders_of_the_last_days_are_replayed(ada, peter):
    recent = order_of(peter, days_ago=29)
    order_of(peter, days_ago=31)
    order_of(peter, days_ago=120)
    deletion = impact.WorkflowDeletion(workflow_named(ada.tenant, "Accessories"))

    result = impact.impact_of(deletion, tenant=ada.tenant, actor=ada, days=30)
    assert result.orders_replayed == 1
    assert [item.order.pk for item in result.orders] == [recent.pk]

    default = impact.impact_of(deletion, tenant=ada.tenant, actor=ada)
    assert (default.days, default.orders_replayed) == (90, 2)


def test_a_replay_stores_nothing(ada, peter, victor):
    routed(place_order(peter))  # a run under "Accessories over 40 USD", which is deleted below
    order_of(peter, onetime="10.00")
    tenant = ada.tenant
    over_40 = workflow_named(tenant, "Accessories over 40 USD")
    before = stored_rules()
    edit = validated(
        draft("Renamed", priority=1, steps=[{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}],
              transactionTypes=["UPGRADE"], departmentIds=[str(peter.department_id)]),
        tenant, over_40,
    )  # fmt: skip
    ids = list(ApprovalWorkflow.objects.filter(tenant=tenant).values_list("pk", flat=True))

    for change in [
        impact.WorkflowDraft(validated(draft(priority=1), tenant)),
        impact.WorkflowDraft(edit, workflow=over_40),
        impact.WorkflowDeletion(over_40),
        impact.PriorityOrder(ids[::-1]),
    ]:
        result = impact.impact_of(change, tenant=tenant, actor=ada)
        assert result.orders_replayed == 2
        assert stored_rules() == before, change


def test_only_tenant_admins_may_replay(peter, ada):
    accessories = workflow_named(ada.tenant, "Accessories")
    with pytest.raises(NotTenantAdmin):
        impact.impact_of(impact.WorkflowDeletion(accessories), tenant=ada.tenant, actor=peter)


def test_another_tenants_orders_are_never_replayed(ada, peter, demo):
    gina = employee("gina")
    order_of(gina, onetime="10.00")  # globex
    mine = order_of(peter, onetime="10.00")

    result = impact.impact_of(
        impact.WorkflowDeletion(workflow_named(ada.tenant, "Accessories")),
        tenant=ada.tenant, actor=ada,
    )  # fmt: skip

    assert result.orders_replayed == 1
    assert [item.order.pk for item in result.orders] == [mine.pk]


def test_the_list_is_capped_but_the_counts_cover_every_order(ada, peter):
    for _ in range(5):
        order_of(peter, onetime="10.00")

    result = impact.impact_of(
        impact.WorkflowDeletion(workflow_named(ada.tenant, "Accessories")),
        tenant=ada.tenant, actor=ada, listed=3,
    )  # fmt: skip

    assert len(result.orders) == 3 and result.truncated
    assert result.groups["NO_LONGER_NEEDS_APPROVAL"].count == 5


def test_queries_do_not_grow_with_the_orders(ada, peter, victor, django_assert_max_num_queries):
    """Who approves a step is resolved once per (step, requester): with the requester fixed
    and every kind of order already among the few, more orders add no query."""
    change = impact.WorkflowDraft(
        validated(
            draft(priority=5, steps=[{"kind": "MANAGER", "managerLevels": 2},
                                     {"kind": "EMPLOYEE", "employeeId": str(victor.pk)}]),
            ada.tenant,
        )
    )  # fmt: skip
    # "Accessories", "Accessories over 40 USD", no rule today; the draft takes them all.
    shapes = [("ORDER_ACCESSORIES", 10), ("ORDER_ACCESSORIES", 45), ("UNSUSPEND", 0)]

    def place(count):
        for number in range(count):
            kind, amount = shapes[number % 3]
            order_of(peter, transaction_type=kind, onetime=str(amount + number % 5))

    place(3)
    with CaptureQueriesContext(connection) as few:
        small = impact.impact_of(change, tenant=ada.tenant, actor=ada)
    place(27)
    with django_assert_max_num_queries(len(few)):
        large = impact.impact_of(change, tenant=ada.tenant, actor=ada)

    assert (small.orders_replayed, large.orders_replayed) == (3, 30)
    assert large.groups["NOW_NEEDS_APPROVAL"].count == 10


# --- The API -------------------------------------------------------------------------------------


def test_api_answers_the_summary_and_the_changed_orders(api_for, ada, peter, victor):
    big = order_of(peter, onetime="150.00", monthly="5.00", number="PO-150")
    order_of(peter, onetime="10.00")
    body = {
        "workflow": draft(
            priority=5, steps=[{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}],
            transactionTypes=["ORDER_ACCESSORIES"], oneTimeCostAbove=100,
        ),
        "days": 60,
    }  # fmt: skip

    response = api_for(ada).post(IMPACT, body)

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["days"] == 60 and answer["ordersReplayed"] == 2
    assert answer["summary"] == {
        "matchedAnotherRule": {
            "count": 1,
            "amounts": [{"currency": "USD", "oneTime": 150.0, "monthly": 5.0}],
        },
        "otherApprovers": {
            "count": 1,
            "amounts": [{"currency": "USD", "oneTime": 150.0, "monthly": 5.0}],
        },
        "noLongerNeedsApproval": {"count": 0, "amounts": []},
        "nowNeedsApproval": {"count": 0, "amounts": []},
        "unchanged": {"count": 1},
    }
    assert answer["truncated"] is False
    [listed] = answer["orders"]
    assert listed["orderId"] == str(big.pk) and listed["orderNumber"] == "PO-150"
    assert listed["requester"] == {"id": str(peter.pk), "name": "Peter Edwards"}
    assert listed["changes"] == ["MATCHED_ANOTHER_RULE", "OTHER_APPROVERS"]
    over_40 = workflow_named(ada.tenant, "Accessories over 40 USD")
    assert listed["before"]["workflow"] == {
        "id": str(over_40.pk),
        "name": over_40.name,
        "draft": False,
    }
    assert [[p["name"] for p in level] for level in listed["before"]["approvers"]] == [
        ["Maria Lopez"], ["Ada Park", "Ian Tran"],
    ]  # fmt: skip
    assert listed["after"] == {
        "workflow": {"id": None, "name": "Big spenders", "draft": True},
        "approvers": [[{"id": str(victor.pk), "name": "Victor Hughes"}]],
    }
    assert not ApprovalWorkflow.objects.filter(name="Big spenders").exists()


def test_api_replays_a_deletion_and_a_priority_order(api_for, ada, peter):
    freed = order_of(peter, onetime="10.00")
    over = order_of(peter, onetime="45.00")
    client = api_for(ada)
    accessories = workflow_named(ada.tenant, "Accessories")

    deletion = client.post(IMPACT, {"delete": str(accessories.pk), "days": 30}).json()
    assert [o["orderId"] for o in deletion["orders"]] == [str(freed.pk)]
    assert deletion["orders"][0]["after"] == {"workflow": None, "approvers": []}

    ids = [
        str(pk)
        for pk in ApprovalWorkflow.objects.filter(tenant=ada.tenant).values_list("pk", flat=True)
    ]
    ids[0], ids[1] = ids[1], ids[0]
    reordered = client.post(IMPACT, {"priorities": ids}).json()
    assert reordered["days"] == 90
    assert [o["orderId"] for o in reordered["orders"]] == [str(over.pk)]
    assert ApprovalWorkflow.objects.filter(pk=accessories.pk).exists()


def test_api_edit_of_a_workflow_by_id(api_for, ada, peter, victor):
    accessories = workflow_named(ada.tenant, "Accessories")
    order_of(peter, onetime="10.00")
    body = {
        "workflow": {
            "id": str(accessories.pk),
            **draft("Accessories", priority=20, transactionTypes=["ORDER_ACCESSORIES"],
                    steps=[{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}]),
        }
    }  # fmt: skip

    answer = api_for(ada).post(IMPACT, body).json()

    [listed] = answer["orders"]
    assert listed["changes"] == ["OTHER_APPROVERS"]
    assert listed["after"]["workflow"] == {
        "id": str(accessories.pk),
        "name": "Accessories",
        "draft": True,
    }


def test_api_lists_every_problem_of_the_body(api_for, ada):
    client = api_for(ada)

    assert_envelope(
        client.post(IMPACT, {"workflow": {"name": "", "steps": []}, "days": 0}),
        "workflow.name", "workflow.steps", "days",
    )  # fmt: skip
    assert_envelope(client.post(IMPACT, {"days": 30}), "")
    accessories = workflow_named(ada.tenant, "Accessories")
    assert_envelope(client.post(IMPACT, {"delete": str(accessories.pk), "priorities": ["1"]}), "")
    assert_envelope(client.post(IMPACT, {"workflow": draft("Accessories")}), "workflow.name")
    assert_envelope(client.post(IMPACT, {"delete": "x"}), "delete")
    ids = [
        str(pk)
        for pk in ApprovalWorkflow.objects.filter(tenant=ada.tenant).values_list("pk", flat=True)
    ]
    assert_envelope(
        client.post(IMPACT, {"priorities": [ids[0], ids[0]]}), "priorities[1]", "priorities"
    )
    assert_envelope(
        client.post(IMPACT, {"priorities": [*ids, "999999"]}), f"priorities[{len(ids)}]"
    )


def test_api_refuses_another_tenants_workflow_ids(api_for, greta, ada):
    client = api_for(greta)
    acme = workflow_named(ada.tenant, "Accessories")
    globex = list(ApprovalWorkflow.objects.filter(tenant=greta.tenant).values_list("pk", flat=True))

    for body, field in [
        ({"delete": str(acme.pk)}, "delete"),
        ({"priorities": [str(acme.pk), *map(str, globex)]}, "priorities[0]"),
        ({"workflow": {"id": str(acme.pk), **draft()}}, "workflow.id"),
        ({"workflow": draft(steps=[{"kind": "EMPLOYEE", "employeeId": str(ada.pk)}])},
         "workflow.steps[0].employeeId"),
    ]:  # fmt: skip
        [error] = assert_envelope(client.post(IMPACT, body), field)
        assert error["errorCode"] == "NOT_FOUND"


def test_api_is_for_tenant_admins_only(api_for, peter, demo):
    accessories = workflow_named(demo.acme, "Accessories")
    response = api_for(peter).post(IMPACT, {"delete": str(accessories.pk)})
    assert_mobproc_error(response, 403, "TENANT_ADMIN_ONLY")


# --- The pages -----------------------------------------------------------------------------------


@pytest.fixture
def ada_client(ada) -> Client:
    client = Client()
    client.force_login(ada.user)
    return client


def editor_post(**overrides) -> dict:
    """The editor's form as a browser posts it, Preview impact pressed."""
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
        "action": "impact",
        "impact-days": "90",
    }
    for row in range(5):
        data |= {f"step-{row}-kind": "", f"step-{row}-manager_levels": "1"}
    data |= {"step-0-kind": "EMPLOYEE"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_editor_offers_the_impact_preview(ada_client, demo):
    accessories = workflow_named(demo.acme, "Accessories")

    new = ada_client.get(reverse("manage:workflow-create")).content.decode()
    edit = ada_client.get(reverse("manage:workflow-edit", args=[accessories.pk])).content.decode()

    url = reverse("manage:workflow-impact")
    assert f'formaction="{url}"' in new and 'name="impact-days" value="90"' in new
    assert 'name="impact-workflow"' not in new
    assert f'name="impact-workflow" value="{accessories.pk}"' in edit


def test_impact_page_shows_the_groups_and_the_orders(ada_client, demo, peter, victor):
    big = order_of(peter, onetime="150.00", monthly="5.00", number="PO-150")
    order_of(peter, onetime="10.00")
    before = stored_rules()

    response = ada_client.post(
        reverse("manage:workflow-impact"),
        editor_post(**{"step-0-employee": str(victor.pk), "impact-days": "60"}),
    )

    assert response.status_code == 200
    assert first_template(response) == "approvals/manage/workflow_impact.html"
    page = response.content.decode()
    assert "Impact of “Big spenders”" in page and "Orders of the last 60 days" in page
    for label in ["Matched another rule", "Other approvers", "No longer needs approval",
                  "Now needs approval"]:  # fmt: skip
        assert label in page
    assert "150.00 USD one-time · 5.00 USD monthly" in page
    row = page[page.index(f'data-testid="impact-order-{big.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{reverse("orders:detail", args=[big.pk])}"' in row and "PO-150" in row
    assert "Peter Edwards" in row
    assert "Accessories over 40 USD" in row and "Big spenders" in row
    assert "Maria Lopez" in row and "Ada Park, Ian Tran" in row and "Victor Hughes" in row
    # The way back posts the draft again, as typed.
    assert 'name="name" value="Big spenders"' in page
    assert f'name="step-0-employee" value="{victor.pk}"' in page
    assert stored_rules() == before


def test_impact_page_says_when_nothing_would_change(ada_client, demo, peter):
    order_of(peter, onetime="10.00")

    response = ada_client.post(
        reverse("manage:workflow-impact"),
        editor_post(transaction_types=["UPGRADE"], onetime_cost_above="100000",
                    **{"step-0-kind": "MANAGER"}),
    )  # fmt: skip

    assert "No order of the last 90 days would be routed differently" in response.content.decode()
    assert response.context["impact"].orders_replayed == 1


def test_impact_of_an_edit_from_the_editor(ada_client, demo, peter, victor):
    accessories = workflow_named(demo.acme, "Accessories")
    order = order_of(peter, onetime="10.00")

    response = ada_client.post(
        reverse("manage:workflow-impact"),
        editor_post(name="Accessories", priority="20", onetime_cost_above="",
                    **{"impact-workflow": str(accessories.pk), "step-0-employee": str(victor.pk)}),
    )  # fmt: skip

    [item] = response.context["impact"].orders
    assert item.order.pk == order.pk and item.effects == ("OTHER_APPROVERS",)
    assert item.after.workflow == impact.WorkflowRef(accessories.pk, "Accessories", draft=True)


def test_impact_of_an_invalid_draft_shows_the_editor_with_every_problem(ada_client, demo):
    response = ada_client.post(
        reverse("manage:workflow-impact"), editor_post(name="", **{"impact-days": "0"})
    )

    assert response.status_code == 200
    assert first_template(response) == "approvals/manage/workflow_form.html"
    assert response.context["form"].errors["name"]
    assert list(response.context["steps"].forms[0].errors["employee"]) == ["Name the employee."]
    page = response.content.decode()
    assert "Give a number of days from 1 to 366." in page
    assert 'data-testid="form-problems"' in page


def test_back_to_the_editor_keeps_the_draft_and_saving_there_saves_it(ada_client, demo, victor):
    draft_post = editor_post(**{"step-0-employee": str(victor.pk)})

    back = ada_client.post(reverse("manage:workflow-impact"), {**draft_post, "action": "edit"})

    assert first_template(back) == "approvals/manage/workflow_form.html"
    page = back.content.decode()
    assert 'value="Big spenders"' in page and "Some answers need another look" not in page
    assert not ApprovalWorkflow.objects.filter(name="Big spenders").exists()

    saved = ada_client.post(reverse("manage:workflow-impact"), {**draft_post, "action": "save"})

    assert saved.status_code == 302
    stored = ApprovalWorkflow.objects.get(tenant=demo.acme, name="Big spenders")
    assert [s.sources.get().employee_id for s in stored.steps.all()] == [victor.pk]


def test_impact_page_refuses_another_tenants_workflow_and_non_admins(ada_client, demo, peter):
    globex = ApprovalWorkflow.objects.filter(tenant=demo.globex).first()
    response = ada_client.post(
        reverse("manage:workflow-impact"), editor_post(**{"impact-workflow": str(globex.pk)})
    )
    assert response.status_code == 404

    client = Client()
    client.force_login(peter.user)
    assert client.post(reverse("manage:workflow-impact"), editor_post()).status_code == 403
    assert ada_client.get(reverse("manage:workflow-impact")).status_code == 404
    foreign_move = {"move": str(globex.pk), "direction": "up"}
    assert ada_client.get(reverse("manage:workflow-impact"), foreign_move).status_code == 404
    assert client.get(reverse("manage:workflow-impact"), foreign_move).status_code == 403


def test_delete_page_shows_the_deletions_impact(ada_client, demo, peter):
    freed = order_of(peter, onetime="10.00")
    older = order_of(peter, onetime="10.00", days_ago=45)
    order_of(peter, onetime="45.00")
    accessories = workflow_named(demo.acme, "Accessories")
    url = reverse("manage:workflow-delete", args=[accessories.pk])

    page = ada_client.get(url).content.decode()
    assert "Of the 3 orders of the last 90 days, <strong>2</strong> would have been routed" in page
    assert f'data-testid="impact-order-{freed.pk}"' in page
    assert f'data-testid="impact-order-{older.pk}"' in page
    assert "No longer needs approval" in page

    recent = ada_client.get(url, {"days": "30"})
    assert [item.order.pk for item in recent.context["impact"].orders] == [freed.pk]
    assert ApprovalWorkflow.objects.filter(pk=accessories.pk).exists()


def test_the_list_links_to_the_impact_of_a_move_which_moves_nothing(ada_client, demo, peter):
    over_40 = order_of(peter, onetime="45.00")
    order_of(peter, onetime="10.00")
    accessories = workflow_named(demo.acme, "Accessories")
    before = stored_rules()

    listing = ada_client.get(reverse("manage:workflows")).content.decode()
    link = f"{reverse('manage:workflow-impact')}?move={accessories.pk}&amp;direction=up"
    assert f'href="{link}"' in listing

    response = ada_client.get(
        reverse("manage:workflow-impact"), {"move": accessories.pk, "direction": "up"}
    )

    assert response.status_code == 200
    [item] = response.context["impact"].orders
    assert item.order.pk == over_40.pk
    assert item.effects == ("MATCHED_ANOTHER_RULE", "OTHER_APPROVERS")
    page = response.content.decode()
    assert "Impact of moving “Accessories” up" in page
    assert f'action="{reverse("manage:workflow-move", args=[accessories.pk])}"' in page
    assert stored_rules() == before
