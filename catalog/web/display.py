"""How pages draw catalog items: a placeholder tile in place of a remote image."""

HUES = 6  # placeholder tile colours in procure.css (.thumb.hue-0 ... hue-5)


def mark_placeholder(item, manufacturer) -> None:
    """Give a catalog item the CSS placeholder tile its page draws instead of a remote image:
    the maker's initials on one of HUES colours (the same maker, the same colour)."""
    words = [w for w in manufacturer.name.replace("&", " ").split() if w[:1].isalnum()]
    item.initials = "".join(w[0] for w in words[:2]).upper() or "?"
    item.hue = sum(map(ord, manufacturer.pk)) % HUES
