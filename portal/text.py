"""Text the database cannot take, found by one predicate (API parser, middleware, forms, services).

PostgreSQL refuses NUL (U+0000) in text and jsonb, even as a query parameter; a lone surrogate
(U+D800..U+DFFF, which JSON's "\\ud800" escape can produce) cannot even be encoded to UTF-8.
Either one used to reach the database and answer 500; now it is refused where it comes in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# In a Python str a surrogate is always unpaired: a pair decodes to one astral character.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    """True if `value` holds a NUL or a lone surrogate."""
    return _UNSTORABLE.search(value) is not None


def described(value: str) -> str:
    """What is wrong with an unstorable `value`, in words: "a NUL character (U+0000)"."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return "no character that is not allowed"
    if found.group() == "\x00":
        return "a NUL character (U+0000)"
    return f"an unpaired surrogate (U+{ord(found.group()):04X})"


def shown(value: str) -> str:
    """`value` safe to echo back (in a page, a JSON answer, a log line): the offending
    characters written as \\uXXXX escapes."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", value)


def unstorable_paths(data) -> Iterator[tuple[str, str, str]]:
    """(path, "key" or "value", the string) for every string in decoded JSON `data`, keys
    included, that holds an unstorable character, in document order. Paths are dotted with
    [i] for list indexes (`orderRequest.shipTo.address[1].value`), as the API's error envelope
    names fields. Walked without recursion: the nesting depth is the client's choice."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, _Key):
            yield path, "key", value.text
        elif isinstance(value, str):
            if unstorable(value):
                yield path, "value", value
        elif isinstance(value, dict):
            children: list[tuple[str, object]] = []
            for key, child in value.items():
                child_path = f"{path}.{shown(key)}" if path else shown(key)
                if unstorable(key):
                    children.append((child_path, _Key(key)))
                children.append((child_path, child))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{i}]", child) for i, child in enumerate(value)]))


class _Key:
    """Marks, on the walk's stack, a key found unstorable (reported before what it holds)."""

    def __init__(self, text: str) -> None:
        self.text = text
