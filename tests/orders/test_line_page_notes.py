"""The line page's notes on actions an open order blocks: one short sentence per blocked action,
the order linked, what to do about it said once."""

from __future__ import annotations

import re

from orders import drafts, services
from orders.requests import parse_order_request
from tests.conftest import seed_order_request
from tests.demo_data import line_of


def place(employee, body: dict):
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def notes(html: str) -> dict[str, str]:
    """{action type: its note} of the actions the page shows as blocked."""
    found = {}
    for kind in re.findall(r'data-action="([A-Z_]+)"', html):
        item = html[html.index(f'data-action="{kind}"') :]
        item = item[: item.index("</li>")]
        if 'data-testid="action-note"' in item:
            note = item[item.index('data-testid="action-note">') :]
            found[kind] = note[len('data-testid="action-note">') : note.index("</p>")]
    return found


def test_an_open_accessories_order_blocks_what_changes_the_device_in_plain_words(web, peter):
    order = place(peter, seed_order_request(externalOrderNumber=None))

    html = web.get(f"/lines/{line_of('peter').pk}/").content.decode()

    link = f'<a href="/orders/{order.pk}/">#{order.pk}</a>'
    expected = f"Not now: order {link} (accessories) is open on this line."
    # (and a transfer out: the device leaves the company with the line; and a port: the line
    # moves to another carrier's device)
    blocked = ("UPGRADE", "PORT_NUMBER", "DEACTIVATE", "SWAP_DEVICES", "XFER_SERVICE_OUT")
    assert notes(html) == {kind: expected for kind in blocked}
    assert "a order accessories" not in html and "order accessories order" not in html
    # What to do about it is said once, not beside every action
    assert html.count("cancel it first") == 1
    assert 'data-testid="blocked-advice"' in html


def test_an_order_the_employee_may_not_open_is_named_without_a_link(client, ada, peter):
    order = place(ada, {
        "orderRequest": {
            "transactionType": "SUSPEND",
            "serviceId": str(line_of("peter").pk),
            "properties": [{"groupId": "SUSPENSION", "fields": [
                {"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}]}],
        }
    })  # fmt: skip
    type(order).objects.filter(pk=order.pk).update(account_holder=ada, requested_by=ada)
    client.force_login(peter.user)

    html = client.get(f"/lines/{line_of('peter').pk}/").content.decode()

    assert notes(html)["DEACTIVATE"] == (
        f"Not now: order #{order.pk} (suspend) is open on this line."
    )


def test_a_line_with_nothing_in_the_way_says_nothing_about_open_orders(web, peter):
    html = web.get(f"/lines/{line_of('peter').pk}/").content.decode()

    assert notes(html) == {}
    assert 'data-testid="blocked-advice"' not in html
