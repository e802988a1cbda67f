"""The layout keeps its promises (docs/ARCHITECTURE.md): apps depend one way, approvals →
orders → catalog → portal, and no app names another app's Celery task (they publish events,
portal/events.py, instead)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
# Lower depends on nothing above it.
APP_ORDER = ["portal", "catalog", "orders", "approvals"]
# Configuration, not an app's code: the periodic jobs are listed in one place.
CONFIGURATION = {Path("portal/settings.py")}


def app_modules():
    for app in APP_ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                yield app, relative, ast.parse(path.read_text(), filename=str(relative))


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_apps_import_only_the_apps_below_them():
    rank = {app: i for i, app in enumerate(APP_ORDER)}

    against = [
        f"{path}:{line} imports {module}"
        for app, path, tree in app_modules()
        for line, module in imported_modules(tree)
        if rank.get(module.split(".")[0], -1) > rank[app]
    ]

    assert against == []


def test_no_app_names_another_apps_task():
    celery_app.loader.import_default_modules()  # every app's tasks.py
    task_app = {
        name: name.split(".")[0] for name in celery_app.tasks if name.split(".")[0] in APP_ORDER
    }
    assert {"approvals.route_order", "orders.send_to_vendors"} <= task_app.keys()

    named = [
        f"{path}:{node.lineno} names {node.value}"
        for app, path, tree in app_modules()
        if path not in CONFIGURATION
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and task_app.get(node.value, app) != app
    ]

    assert named == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from approvals.models import Decision", [(1, "approvals.models")]),
        ("import orders.services as s", [(1, "orders.services")]),
        ("from . import x", []),
    ],
)
def test_the_import_finder_sees_both_forms(source, expected):
    assert list(imported_modules(ast.parse(source))) == expected
