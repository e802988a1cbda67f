"""Security headers on every page: Content-Security-Policy (django-csp), Permissions-Policy and,
over HTTPS, Strict-Transport-Security; and no inline code in any page for the policy to block.

The pages are found by crawling the live server over HTTP, as a browser would: the home page,
every same-site link on it, and every link on those (depth 2), as an anonymous visitor, an
employee, a manager and a tenant admin, each signed in with the sign-in form. The Swagger
UI page is the one exception to the site's policy (data: images); Chromium shows it working
under that policy, and the OAuth consent and sign-in forms reaching the client.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from portal.demo import DEMO_PASSWORD
from portal.models import OAuthApplication
from tests.processes import Gunicorn, service_env, signed_in_session

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CRAWL_DEPTH = 2
DOCS = "/api/v1/docs"
CLIENT_CALLBACK = "https://client.example.com/callback"

# The site's policy: every directive the issue asks for, exactly.
SITE_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
PERMISSIONS_POLICY = ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]

# Inline code, which the policy blocks (pages must not rely on it): a <script> without src, an
# on* event handler attribute, a javascript: URL, a style attribute, a <style> element.
INLINE_CODE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>", re.IGNORECASE),
    "on* handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"""\s(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "<style>": re.compile(r"<style\b", re.IGNORECASE),
}
HREF = re.compile(r"""<a\b[^>]*\shref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def policy(response) -> dict[str, set[str]]:
    """The Content-Security-Policy header as {directive: sources}, of a test client's or a
    real server's answer."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def inline_code(html: str) -> list[str]:
    """What inline code the page has, with the offending markup."""
    return [
        f"{what}: {m.group(0)[:120]}" for what, rx in INLINE_CODE.items() for m in rx.finditer(html)
    ]


def is_html(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


def same_site_links(html: str, page_url: str) -> list[str]:
    """The links of a page (at the absolute `page_url`) to the same site, as paths."""
    site = urlsplit(page_url).netloc
    links = []
    for href in HREF.findall(html):
        parts = urlsplit(urljoin(page_url, href.replace("&amp;", "&")))
        if parts.scheme in {"http", "https"} and parts.netloc == site:
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def crawl(
    session: requests.Session, base_url: str, start: str = "/", depth: int = CRAWL_DEPTH
) -> dict[str, requests.Response]:
    """GET the start page, the same-site links on it, and theirs, to `depth` links away;
    redirects are followed without counting as a step. Path -> response."""
    seen: dict[str, requests.Response] = {}
    queue = [(start, 0)]
    while queue:
        path, level = queue.pop(0)
        if path in seen or path.startswith("/static/"):
            continue
        response = seen[path] = session.get(base_url + path, allow_redirects=False, timeout=30)
        if response.is_redirect:
            html, next_level = f'<a href="{response.headers["Location"]}">', level
        elif level < depth and is_html(response):
            html, next_level = response.text, level + 1
        else:
            continue
        queue.extend((link, next_level) for link in same_site_links(html, base_url + path))
    return seen


def assert_site_policy(url: str, response) -> None:
    found = policy(response)
    assert found == SITE_POLICY, f"{url}: {response.headers['Content-Security-Policy']}"


def assert_permissions_policy(url: str, response) -> None:
    header = response.headers.get("Permissions-Policy", "")
    missing = [feature for feature in PERMISSIONS_POLICY if feature not in header]
    assert not missing, f"{url}: Permissions-Policy {header!r} lacks {missing}"


# --- Every page, crawled on the live server -----------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "peter", "maria", "ada"])
def test_every_page_carries_the_site_policy_and_no_inline_code(
    who, live_server, transactional_db, settings
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain http on loopback
    call_command("load_demo", stdout=io.StringIO())
    if who == "anonymous":
        session = requests.Session()
    else:
        session, signed_in = signed_in_session(live_server.url, who, DEMO_PASSWORD)
        assert signed_in.status_code == 302, signed_in.text

    pages = crawl(session, live_server.url)

    html_pages = {url: r for url, r in pages.items() if is_html(r) and r.status_code == 200}
    # Not vacuous: an anonymous visitor reaches the sign-in and password-reset pages, people
    # signed in their home, catalog, cart, orders, approvals, and the tenant admin Manage.
    assert len(html_pages) >= (2 if who == "anonymous" else 8), sorted(pages)
    # Every page keeps the whole site policy: only Swagger UI's (below) allows data: images.
    if who == "ada":
        assert any(url.startswith("/manage/") for url in html_pages), sorted(pages)
    for url, response in pages.items():
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        assert_site_policy(url, response)
        assert_permissions_policy(url, response)
    problems = {url: inline_code(r.text) for url, r in html_pages.items()}
    assert not {url: found for url, found in problems.items() if found}


def test_error_pages_carry_the_site_policy(web):
    # 404 from the page handler; 400 from the refusal of a NUL in the query (a page of its own).
    for url in ["/no-such-page/", "/orders/?q=%00"]:
        response = web.get(url)

        assert response.status_code in {400, 404}, url
        assert_site_policy(url, response)
        assert_permissions_policy(url, response)
        assert not inline_code(response.content.decode())


def test_api_answers_and_static_files_carry_the_headers_too(client, peter_api):
    answers = [client.get("/api/v1/ping"), peter_api.get("me"), client.get("/static/js/procure.js")]

    for response in answers:
        url = response.request["PATH_INFO"]
        assert response.status_code == 200, url
        assert_site_policy(url, response)
        assert_permissions_policy(url, response)


def test_the_policy_follows_its_settings(db, client, settings):
    """The shared header is built once per process (portal.middleware.CSPMiddleware), yet a
    changed policy is the one written, and a report-only policy is written beside it."""
    assert_site_policy("/api/v1/ping", client.get("/api/v1/ping"))

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert policy(response) == {"default-src": {"'none'"}}

    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = client.get("/api/v1/ping")
    assert response.status_code == 200
    assert policy(response) == {"default-src": {"'none'"}}
    assert "img-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]


def test_no_template_has_inline_code():
    """Also the templates no crawl reaches (form errors, confirmations after a POST). E-mail
    bodies are not pages: mail clients need their inline styles, and no policy applies."""
    found = {
        str(path.relative_to(TEMPLATES)): inline_code(path.read_text())
        for path in TEMPLATES.rglob("*.html")
        if "emails" not in path.relative_to(TEMPLATES).parts
    }

    assert not {name: problems for name, problems in found.items() if problems}


# --- The one exception: Swagger UI --------------------------------------------------------------


def test_swagger_ui_page_only_adds_data_images(client):
    response = client.get(DOCS)

    assert response.status_code == 200
    assert policy(response) == {**SITE_POLICY, "img-src": {"'self'", "data:"}}
    assert_permissions_policy(DOCS, response)
    html = response.content.decode()
    # Its start-up script is served by the same view, from our origin, not inline.
    assert f'<script src="{DOCS}?script=">' in html
    assert not inline_code(html)
    script = client.get(f"{DOCS}?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


# --- The OAuth consent page ---------------------------------------------------------------------


def consent_url(**overrides) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 43).digest()).rstrip(b"=")
    params = {
        "client_id": "demo-client",
        "response_type": "code",
        "redirect_uri": CLIENT_CALLBACK,
        "scope": "read write",
        "state": "xyz",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        **overrides,
    }
    return "/o/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})


def test_consent_page_lets_its_form_redirect_to_the_client_only(web):
    # Chrome applies form-action to the redirect that answers the consent form's POST.
    response = web.get(consent_url())

    assert response.status_code == 200
    assert b"authorizationForm" in response.content
    assert policy(response) == {
        **SITE_POLICY,
        "form-action": {"'self'", "https://client.example.com"},
    }


def test_consent_page_with_an_unregistered_redirect_uri_keeps_the_site_policy(web):
    response = web.get(consent_url(redirect_uri="https://evil.example.net/callback"))

    assert b"authorizationForm" not in response.content
    assert_site_policy("/o/authorize/", response)


def test_sign_in_on_the_way_to_the_consent_page_may_redirect_to_the_client(client, demo):
    # An application that skips the consent page redirects straight on from the sign-in POST.
    response = client.get("/login/", {"next": consent_url()})

    assert response.status_code == 200
    assert policy(response) == {
        **SITE_POLICY,
        "form-action": {"'self'", "https://client.example.com"},
    }


@pytest.mark.parametrize(
    "next_url",
    [
        "/orders/",
        consent_url(redirect_uri="https://evil.example.net/callback"),
        consent_url(client_id="no-such-client"),
        consent_url(client_id="\x00"),
        "https://evil.example.net/o/authorize/?client_id=demo-client",
    ],
)
def test_sign_in_for_anything_else_keeps_the_site_policy(client, demo, next_url):
    response = client.get("/login/", {"next": next_url})

    assert response.status_code == 200
    assert_site_policy("/login/", response)


# --- HSTS ---------------------------------------------------------------------------------------


def test_hsts_is_sent_on_https_requests_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True

    secure = Client().get("/login/", secure=True)
    plain = Client().get("/login/")

    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in plain  # browsers ignore it over http anyway


def test_no_hsts_by_default(client):
    assert "Strict-Transport-Security" not in client.get("/login/", secure=True)


def test_gunicorn_behind_the_proxy_sends_hsts_for_https(db, tmp_path):
    """The production path, from the README's variables: gunicorn trusts the proxy's
    X-Forwarded-Proto, Django's SecurityMiddleware answers HSTS on what came in over HTTPS."""
    env = service_env(BEHIND_PROXY="true", SECURE_HSTS_SECONDS="31536000")
    env.pop("REDIS_URL", None)  # no broker needed
    server = Gunicorn(env, tmp_path, workers=1).start()
    try:
        https = server_headers(server, {"X-Forwarded-Proto": "https"})
        http = server_headers(server, {})
    finally:
        server.stop()

    assert https["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "strict-transport-security" not in http
    for headers in [https, http]:
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "camera=()" in headers["permissions-policy"]


def server_headers(server: Gunicorn, headers: dict[str, str]) -> dict[str, str]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/api/v1/ping", headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        return {name.lower(): value for name, value in response.getheaders()}
    finally:
        conn.close()


# --- In Chromium --------------------------------------------------------------------------------


@pytest.fixture
def page_under_policy(browser, live_server, transactional_db):
    """A Chromium page on the live server, with the demo data, collecting what the browser
    reports: CSP violations and other console errors, and uncaught script errors."""
    call_command("load_demo", stdout=io.StringIO())
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


@pytest.mark.browser
def test_swagger_ui_works_under_its_policy(page_under_policy, live_server):
    page = page_under_policy

    page.goto(f"{live_server.url}{DOCS}")

    page.wait_for_selector(".opblock-tag", state="attached")
    assert page.locator(".info .title").inner_text().startswith("Procure API")
    page.locator(".opblock-tag").first.click()  # React re-renders: still no violation
    page.wait_for_selector(".opblock")
    assert page.problems == []


def sign_in(page, username: str = "peter") -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", "procure-demo")
    page.click("button[type=submit]")


@pytest.mark.browser
def test_consent_form_reaches_the_client_in_chromium(page_under_policy, live_server):
    page = page_under_policy
    # The client's callback, answered here: only whether Chromium lets the redirect through.
    page.route(f"{CLIENT_CALLBACK}*", lambda route: route.fulfill(body="client callback"))
    page.goto(f"{live_server.url}/login/")
    sign_in(page)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}{consent_url()}")
    page.click("input[name=allow]")

    page.wait_for_url(f"{CLIENT_CALLBACK}?*")
    assert "code=" in page.url and "state=xyz" in page.url
    assert page.problems == []


@pytest.mark.browser
def test_sign_in_reaches_a_client_that_skips_the_consent_page_in_chromium(
    page_under_policy, live_server
):
    page = page_under_policy
    OAuthApplication.objects.filter(client_id="demo-client").update(skip_authorization=True)
    page.route(f"{CLIENT_CALLBACK}*", lambda route: route.fulfill(body="client callback"))
    page.goto(f"{live_server.url}{consent_url()}")  # not signed in: to the sign-in page
    page.wait_for_url(f"{live_server.url}/login/**")

    sign_in(page)  # POST, then /o/authorize/, then the client

    page.wait_for_url(f"{CLIENT_CALLBACK}?*")
    assert "code=" in page.url
    assert page.problems == []


def test_the_inline_code_finder_finds_each_kind():
    html = (
        '<p style="x">a</p><button onclick="go()">b</button><script>x()</script><style></style>'
        '<a href="javascript:go()">c</a>'
    )

    found = " ".join(inline_code(html))

    assert all(what in found for what in INLINE_CODE), found
    assert not inline_code('<script src="/static/js/procure.js" defer></script><a data-on="1">')


def test_gunicorn_logs_no_secret_sent_in_a_url(db, tmp_path):
    """MobProc's token call sends the password and the client secret as URL parameters: the
    access log keeps the path and the answer's status, never the query string."""
    env = service_env()
    env.pop("REDIS_URL", None)  # no broker needed
    server = Gunicorn(env, tmp_path, workers=1).start()
    try:
        status, _answer = server.request(
            "POST",
            "/as/token.oauth2?grant_type=password&client_id=demo-client"
            "&client_secret=Sekrit-in-the-URL&username=nobody&password=Pa55-in-the-URL",
        )
    finally:
        server.stop()

    log = server.log()
    assert status in (400, 401)
    assert f'"POST /as/token.oauth2 HTTP/1.1" {status} ' in log
    assert "Sekrit-in-the-URL" not in log and "Pa55-in-the-URL" not in log
