"""Browser tests: real Chromium (Debian's) driven by Playwright through the live server."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

# The README's screenshots are refreshed only on request (`make screenshots`): a test run must
# leave every tracked file as it was.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def world(transactional_db):
    """The demo data, committed (the live server thread reads it through its own connection)."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def open_page(browser, live_server, world):
    """open_page(username) -> a Playwright page signed in as that demo person."""
    contexts = []

    def sign_in(username: str, *, viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "procure-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    """Where screenshots go: docs/screenshots with SAVE_SCREENSHOTS=1, else a temporary folder."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return README_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshots_dir):
    """screenshot(page, name): save <name>.png (docs/screenshots/ under `make screenshots`)."""

    def take(page, name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
