"""The cross-tenant probe of GET /audit-events, for the matrix of
tests/portal/test_tenant_isolation.py: acme's trail (a refused decision, a configuration change)
never reaches globex's admin (Greta), whatever she filters on."""

from __future__ import annotations

from portal import audit
from tests.conftest import API


def _ids(response) -> set[str]:
    body = response.json()
    assert response.status_code == 200, body
    return {item["id"] for item in body["auditEvents"]["items"]}


def audit_events_list(w) -> None:
    # Peter trying to approve his own order is refused (and audited), changing nothing else.
    refused = w.peter.post(f"{API}/orders/{w.acme_order.pk}/approval", {"action": "APPROVE"})
    assert refused.status_code == 403, refused.json()
    maria = w.people.maria
    changed = audit.record_change(
        tenant=w.acme, actor=maria, action=audit.UPDATED, target_type=audit.APPROVER_GROUP,
        target_id=1, target_name="IT", before={"name": "IT"}, after={"name": "Acme IT"},
    )  # fmt: skip
    acme_ids = _ids(w.ada.get(f"{API}/audit-events"))
    assert f"C{changed.pk}" in acme_ids and any(i.startswith("D") for i in acme_ids)
    for query in ("", f"?orderId={w.acme_order.pk}", f"?actorId={maria.pk}", "?type=DECISION"):
        assert not _ids(w.greta.get(f"{API}/audit-events{query}")) & acme_ids, query


PROBES = {
    ("GET", "/api/v1/audit-events"): (audit_events_list, "list + foreign filters"),
}
