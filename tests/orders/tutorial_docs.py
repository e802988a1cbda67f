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


# --- Any other page of the documentation ------------------------------------------------------
# Copied into tests/portal/docs/<path with / as _>.md (e.g. tutorials/orders/approvals ->
# tutorials_orders_approvals.md), a byte copy of ../shared/mobproc-docs/<path>/index.md.

PAGES = Path(__file__).resolve().parents[1] / "portal" / "docs"
SHARED_DOCS = SHARED_TUTORIALS.parent


def page_copy(path: str) -> Path:
    return PAGES / f"{path.replace('/', '_')}.md"


def pages_unlike_the_shared_ones(paths) -> list[str]:
    """The pages among `paths` whose copy differs from the shared page (where the shared docs
    are absent, as copies_unlike_the_shared_pages, nothing is compared)."""
    differing = []
    for path in paths:
        shared = SHARED_DOCS / path / "index.md"
        if shared.exists() and page_copy(path).read_bytes() != shared.read_bytes():
            differing.append(path)
    return differing


def page_blocks(path: str) -> list[str]:
    """Every code block of the page, as written (requests are URLs and paths, not JSON)."""
    text = page_copy(path).read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```\n(.*?)```", text, re.S)]


def page_examples(path: str) -> list:
    """The JSON examples of the page, in order, read as the page means them: the lines that are
    only "..." (what the page leaves out) dropped with the comma they leave behind, a fragment
    (`"_meta": {...}`, or objects one after the other) wrapped in {} or [], and a string broken
    over lines joined (after a "/" as one URL, elsewhere by one space). Blocks that are no JSON
    (URLs, paths) are left out."""
    examples = []
    for block in page_blocks(path):
        text = re.sub(r"^\s*\.\.\.\s*,?\s*$", "", block, flags=re.M)
        text = re.sub(r",(\s*[\]}])", r"\1", text).strip().rstrip(",")
        for candidate in (text, f"{{{text}}}", f"[{text}]"):
            try:
                examples.append(_joined(json.loads(candidate, strict=False)))
                break
            except json.JSONDecodeError:
                continue
    return examples


def _joined(value):
    if isinstance(value, dict):
        return {key: _joined(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_joined(item) for item in value]
    if isinstance(value, str):
        return re.sub(r"\s*\n\s*", " ", re.sub(r"/\n\s+", "/", value))
    return value
