def is_id(value: str) -> bool:
    """A database id as clients send it: ASCII digits only (str.isdigit() also accepts
    superscripts and non-Latin digits, which int() then refuses)."""
    return value.isascii() and value.isdigit() and len(value) <= 18
