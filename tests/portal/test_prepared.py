"""portal.prepared: a queryset compiled once answers as the ORM does, for every call's values."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from portal.models import Delegation, Employee
from portal.prepared import Prepared, PreparedShapeError

COLUMNS = ("id", "company_employee_id", "department__name", "status", "is_tenant_admin")


def employees_in(tenant_id, ids):
    return Employee.objects.filter(tenant_id=tenant_id, pk__in=ids).order_by("pk").values(*COLUMNS)


def test_answers_as_the_orm_does_for_each_calls_values(peter, maria, ada, gina):
    built = []
    prepared = Prepared(lambda tenant_id, ids: built.append(1) or employees_in(tenant_id, ids))
    acme = peter.tenant_id

    assert prepared(acme, [peter.pk, maria.pk]) == list(employees_in(acme, [peter.pk, maria.pk]))
    assert prepared(acme, [ada.pk, gina.pk]) == list(employees_in(acme, [ada.pk]))
    # Another tenant's id is another tenant's answer: the tenant is a value, not frozen.
    assert prepared(gina.tenant_id, [ada.pk, gina.pk]) == list(
        employees_in(gina.tenant_id, [gina.pk])
    )
    assert len(built) == 1  # one shape, compiled once


def test_a_list_of_another_length_is_another_shape(peter, maria, ada):
    built = []
    prepared = Prepared(lambda ids: built.append(len(ids)) or employees_in(peter.tenant_id, ids))

    assert [row["id"] for row in prepared([ada.pk])] == [ada.pk]
    assert [row["id"] for row in prepared([peter.pk, maria.pk, ada.pk])] == sorted(
        [peter.pk, maria.pk, ada.pk]
    )
    assert [row["id"] for row in prepared([maria.pk])] == [maria.pk]
    assert built == [1, 3]


def test_an_empty_list_matches_nothing_without_a_query(peter, django_assert_num_queries):
    prepared = Prepared(lambda ids: employees_in(peter.tenant_id, ids))

    with django_assert_num_queries(0):
        assert prepared([]) == []


def test_a_prepared_call_is_one_query(peter, maria, django_assert_num_queries):
    prepared = Prepared(lambda ids: employees_in(peter.tenant_id, ids))
    prepared([peter.pk])

    with django_assert_num_queries(1):
        assert [row["id"] for row in prepared([maria.pk])] == [maria.pk]


def test_a_date_argument_answers_for_the_day_given(maria, sam):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant_id=maria.tenant_id,
        employee=maria,
        delegate=sam,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
    )
    delegators = Prepared(
        lambda delegate_id, day: (
            Delegation.objects.in_force(day).filter(delegate_id=delegate_id).values("employee_id")
        )
    )

    assert delegators(sam.pk, today) == [{"employee_id": maria.pk}]
    assert delegators(sam.pk, today + datetime.timedelta(days=3)) == []
    assert delegators(sam.pk, today - datetime.timedelta(days=1)) == []


@pytest.mark.parametrize(
    "build, args",
    [
        # The argument decides a condition instead of reaching the SQL.
        (lambda pk: Employee.objects.filter(Q(pk=1) if pk > 0 else Q()).values("id"), [5]),
        # Today read inside the build would be frozen at the first call.
        (
            lambda pk: Delegation.objects.in_force().filter(delegate_id=pk).values("id"),
            [5],
        ),
        # Model instances, not rows.
        (lambda pk: Employee.objects.filter(pk=pk), [5]),
    ],
    ids=["an argument that does not reach the SQL", "a date read inside", "not values()"],
)
def test_a_build_that_cannot_be_prepared_is_refused(db, build, args):
    with pytest.raises(PreparedShapeError):
        Prepared(build)(*args)


@pytest.mark.parametrize(
    "arg", [True, "5", 2.5, datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)], ids=repr
)
def test_only_ids_lists_of_ids_and_dates_are_taken(db, arg):
    with pytest.raises(PreparedShapeError):
        Prepared(lambda value: Employee.objects.filter(pk=value).values("id"))(arg)


def test_a_page_is_the_slice_of_the_rows_compiled_once(peter, maria, ada, sam):
    built = []
    everyone = Prepared(
        lambda tenant_id: (
            built.append(1)
            or Employee.objects.filter(tenant_id=tenant_id).order_by("pk").values("id")
        )
    )
    ids = list(
        Employee.objects.filter(tenant_id=peter.tenant_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    for offset, limit in [(0, 2), (1, 2), (3, 10), (len(ids), 5)]:
        rows = everyone(peter.tenant_id, page=(offset, limit))
        assert [row["id"] for row in rows] == ids[offset : offset + limit]
    assert len(built) == 1
    assert len(everyone(peter.tenant_id)) == len(ids)  # unpaged: its own shape


def test_a_sliced_build_is_not_paged(db):
    first = Prepared(lambda pk: Employee.objects.filter(pk__gte=pk).values("id")[:1])

    with pytest.raises(PreparedShapeError):
        first(1, page=(0, 5))
