"""The MobProc order tutorials copied into tests/orders/tutorials/<name>.md (a byte copy of
../shared/mobproc-docs/tutorials/orders/<name>/index.md, so the tests run without the shared
docs) and the helpers that read their JSON examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

TUTORIALS = Path(__file__).resolve().parent / "tutorials"
SHARED_TUTORIALS = Path(__file__).resolve().parents[3] / "shared" / "mobproc-docs" / "tutorials"


def copies_unlike_the_shared_pages(names) -> list[str]:
    """The tutorials among `names` whose copy differs from the shared page. The shared docs sit
    beside the project's checkout, not beside a clone elsewhere: where they are absent, nothing
    is compared."""
    differing = []
    for name in names:
        shared = SHARED_TUTORIALS / "orders" / name / "index.md"
        if shared.exists() and (TUTORIALS / f"{name}.md").read_bytes() != shared.read_bytes():
            differing.append(name)
    return differing


def tutorial_examples(name: str) -> list[dict]:
    """The JSON examples of the tutorial in folder `name` (e.g. "suspend"): request,
    confirmation, order (an href broken over two lines in the page is joined)."""
    text = (TUTORIALS / f"{name}.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    return [json.loads(re.sub(r"/\n\s+", "/", block)) for block in blocks]


def key_paths(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items share their list's path."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= {path} | key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix)
    return paths
