"""Signed Approve / Reject links for approval e-mails.

A link names one approver, one run step and one action, and carries the order's last change
time: it expires (APPROVAL_LINK_MAX_AGE), cannot be altered, and is stale once the order moved.
Opening it never decides (mail scanners prefetch links): it leads to a confirmation page, which
only its approver signed in may confirm unless the tenant allows decisions without signing in.
It decides once: its step takes one decision (approvals.web.email_links.email_decision).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "approvals.email-decision"


@dataclass(frozen=True)
class LinkClaim:
    step_id: int
    approver_id: int
    action: str
    order_version: str


def _version(order) -> str:
    return order.updated_at.isoformat()


def make_token(*, step, approver, action: str) -> str:
    return signing.dumps(
        {"s": step.pk, "e": approver.pk, "a": action, "v": _version(step.run.order)},
        salt=SALT,
        compress=True,
    )


def decision_url(*, step, approver, action: str) -> str:
    token = make_token(step=step, approver=approver, action=action)
    path = reverse("approvals:email-decision", kwargs={"token": token})
    return settings.SITE_URL.rstrip("/") + path


def read_token(token: str) -> LinkClaim:
    """Raises signing.BadSignature (tampered) or signing.SignatureExpired (too old)."""
    data = signing.loads(token, salt=SALT, max_age=settings.APPROVAL_LINK_MAX_AGE)
    return LinkClaim(data["s"], data["e"], data["a"], data["v"])


def is_stale(claim: LinkClaim, order) -> bool:
    return claim.order_version != _version(order)
