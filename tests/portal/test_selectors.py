"""portal.selectors: whom a person decides for (deciding_for), who may be their delegate, and
who is an approver at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from portal import selectors, services
from portal.exceptions import RequestInvalid
from portal.models import Delegation, Employee, EmployeeGroup, ReportingLine


def delegate(employee: Employee, to: Employee, days=(0, 0)) -> Delegation:
    today = timezone.localdate()
    return Delegation.objects.create(
        tenant=employee.tenant, employee=employee, delegate=to,
        starts_on=today + timedelta(days=days[0]), ends_on=today + timedelta(days=days[1]),
    )  # fmt: skip


# --- deciding_for -------------------------------------------------------------------------------


def test_one_decides_for_oneself_and_whoever_named_them_delegate_today(maria, sam, ian, peter):
    victor = Employee.objects.get(user__username="victor")
    delegate(maria, sam, days=(0, 3))
    delegate(ian, sam, days=(-1, 1))
    delegate(victor, sam, days=(1, 2))  # not yet
    delegate(victor, ian, days=(0, 0))  # someone else's delegate

    deciding = selectors.deciding_for(sam)

    assert deciding.ids == {sam.pk, maria.pk, ian.pk}
    assert deciding.delegators == [ian, maria]  # soonest to end first
    assert selectors.deciding_for(peter).ids == {peter.pk}


def test_one_decides_as_oneself_when_an_approver_else_for_a_delegator(maria, sam, ian):
    delegate(maria, sam)
    deciding = selectors.deciding_for(sam)

    assert deciding.decides_for([sam.pk, maria.pk]) == sam
    assert deciding.on_behalf_of([sam.pk, maria.pk]) == []
    assert deciding.decides_for([maria.pk, ian.pk]) == maria
    assert deciding.on_behalf_of([maria.pk, ian.pk]) == [maria]
    assert deciding.decides_for([ian.pk]) is None


def test_tenant_admins_decide_for_others_only_by_acting_as_them(ada, maria, peter, gina):
    assert selectors.deciding_for(ada).ids == {ada.pk}
    assert selectors.may_act_for(ada, maria)
    assert not selectors.may_act_for(ada, gina)
    assert not selectors.may_act_for(peter, maria)
    delegate(maria, peter)
    assert selectors.may_act_for(peter, maria)


def test_deciding_for_is_computed_once_per_request(maria, sam, django_assert_num_queries):
    delegate(maria, sam)
    request = RequestFactory().get("/")

    # Whether anyone named sam delegate, then the delegations; the second time, nothing.
    with django_assert_num_queries(2):
        first = selectors.deciding_for_request(request, sam)
    with django_assert_num_queries(0):
        again = selectors.deciding_for_request(request, sam)

    assert first is again and first.ids == {sam.pk, maria.pk}


def test_deciding_for_nobody_else_is_one_query(maria, sam, django_assert_num_queries):
    delegate(maria, sam, days=(1, 2))  # not yet in force

    with django_assert_num_queries(1):
        deciding = selectors.deciding_for(sam)

    assert deciding.ids == {sam.pk} and deciding.delegations == ()
    assert selectors.deciding_for(sam, on=timezone.localdate() + timedelta(days=1)).ids == {
        sam.pk,
        maria.pk,
    }


# --- Delegates ----------------------------------------------------------------------------------


def test_delegate_choices_are_the_active_colleagues_never_oneself(maria, sam, peter, gina):
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)

    choices = set(selectors.delegate_choices(maria))

    assert peter in choices
    assert maria not in choices and sam not in choices and gina not in choices


@pytest.mark.parametrize(
    ("who", "message"),
    [("maria", "You cannot be your own delegate."), ("sam", "Choose an active colleague."),
     ("gina", "Choose an active colleague.")],
)  # fmt: skip
def test_add_delegation_refuses_whoever_delegate_choices_leaves_out(
    maria, sam, gina, ada, who, message
):
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)
    people = {"maria": maria, "sam": sam, "gina": gina}
    today = timezone.localdate()

    for actor in (maria, ada):
        with pytest.raises(RequestInvalid) as refused:
            services.add_delegation(
                employee=maria, delegate=people[who], starts_on=today, ends_on=today, actor=actor
            )
        assert [p.message for p in refused.value.problems] == [message]
    assert not Delegation.objects.exists()


# --- Approvers ----------------------------------------------------------------------------------


def test_who_is_an_approver(demo, peter, sam, maria, ian, ada):
    assert selectors.is_approver(ada)  # tenant admin
    assert selectors.is_approver(maria)  # peter's manager
    assert not selectors.is_approver(peter)
    assert not selectors.is_approver(sam)

    group = EmployeeGroup.objects.create(tenant=demo.acme, name="Facilities")
    group.members.add(peter)
    assert selectors.is_approver(peter)  # a group member

    delegate(maria, sam)
    assert selectors.is_approver(sam)  # a delegate today
    assert not ReportingLine.objects.filter(manager=ian).exists()
    assert selectors.is_approver(ian)  # a member of the IT approver group
