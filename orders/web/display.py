"""How pages show what an order asked for: property answers and addresses, as text."""

from __future__ import annotations

from datetime import datetime


def property_rows(groups: list[dict]) -> list[tuple[str, str]]:
    """Answered properties as (label, readable value), as confirmations and orders show them."""
    rows = []
    for group in groups or []:
        for answer in group.get("fields", []):
            rows.append((answer.get("label") or answer.get("id", ""), _readable(answer)))
    return rows


def address_lines(ship_to: dict | None) -> list[str]:
    """A labelled address as it goes on an envelope: street lines, then the locality on one line
    ("Orange, CT 06477")."""
    lines = (ship_to or {}).get("address", [])
    street = [line["value"] for line in lines if line["id"].startswith("LINE_")]
    city = [line["value"] for line in lines if line["id"] == "CITY"]
    rest = [line["value"] for line in lines if not line["id"].startswith("LINE_")]
    rest = [value for value in rest if value not in city]
    locality = ", ".join(part for part in [*city, " ".join(rest)] if part)
    return [*street, locality] if locality else street


def _readable(answer: dict) -> str:
    kind = answer.get("type")
    if kind == "BOOLEAN":
        return "Yes" if answer.get("boolean") else "No"
    if kind == "DATE":
        try:
            return f"{datetime.fromisoformat(answer['date']):%b %-d, %Y}"
        except (KeyError, TypeError, ValueError):
            return str(answer.get("date", ""))
    if kind == "CHOICE":
        choice = answer.get("choice") or {}
        label = choice.get("label") or choice.get("id", "")
        return f"{label}: {choice['otherText']}" if choice.get("otherText") else label
    return str(answer.get("text", ""))
