"""The production stack, from outside: a director signs in, asks for an impact
report, waits for the Celery worker and downloads the PDF, over plain HTTP.

Run by .ci/production against gunicorn with DEBUG off (SMF_PRODUCTION_URL). No
Django test client: the test is the browser behind the TLS proxy of
docker-compose.yml, so every request carries the proxy's X-Forwarded-Proto and
X-Forwarded-For (the stack runs with BEHIND_PROXY=1), and the cookies, which
are Secure, are kept by hand (a cookie jar would not send them over http://).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest

BASE_URL = os.environ.get("SMF_PRODUCTION_URL", "")
# The demo's records cover 2010-2012 (smf/core/demo.py).
YEAR = int(os.environ.get("SMF_PRODUCTION_YEAR", "2012"))
REPORT_WAIT_SECONDS = 180


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """One browser's requests, as the proxy forwards them to gunicorn."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        # The address the user typed, on the proxy's side: https.
        self.origin = f"https://{parts.hostname}:{parts.port}"
        self.cookies = SimpleCookie()

    def request(self, method: str, path: str, *, data=None, proxied=True, headers=None) -> Response:
        sent = {"Accept-Language": "en", **(headers or {})}
        if proxied:
            sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            # A browser's form post: Django's CSRF check over HTTPS wants the origin.
            sent |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = Response(connection.getresponse())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return response

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            assert morsel["secure"], f"cookie {name} is not Secure: {header}"
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)


class PageParser(HTMLParser):
    """A page's hidden form fields (CSRF token, the wizard's step) and stylesheets."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.links.append(attrs["href"])


def hidden(response: Response) -> dict[str, str]:
    fields = PageParser(response.text).fields
    assert "csrfmiddlewaretoken" in fields, response.text[:500]
    return fields


def assert_no_debug_page(response: Response) -> None:
    for tell_tale in ("Traceback", "DEBUG = True", "technical_500", "Request Method:", "Django"):
        assert tell_tale not in response.text, f"{tell_tale!r} in a {response.status} page"


@pytest.fixture
def visitor() -> Browser:
    """A browser that has not signed in."""
    return Browser(BASE_URL)


@pytest.fixture(scope="module")
def director() -> Browser:
    """The demo director, signed in through the two steps of the sign-in."""
    browser = Browser(BASE_URL)
    page = browser.get("/login/")
    assert page.status == 200
    assert "csrftoken" in browser.cookies
    code_page = browser.post(
        "/login/",
        {
            **hidden(page),
            "username": os.environ["SMF_PRODUCTION_USERNAME"],
            "password": os.environ["SMF_PRODUCTION_PASSWORD"],
        },
    )
    assert code_page.status == 200, code_page.text[:500]
    assert 'name="token-otp_token"' in code_page.text, "no code step after the password"
    code = pyotp.TOTP(os.environ["SMF_PRODUCTION_TOTP_SECRET"]).now()
    signed_in = browser.post("/login/", {**hidden(code_page), "token-otp_token": code})
    assert signed_in.status == 302, signed_in.text[:500]
    assert signed_in.headers["Location"] == "/"
    session = browser.cookies["sessionid"]
    assert session["httponly"] and session["secure"]
    return browser


def test_plain_http_is_redirected_to_https(visitor):
    response = visitor.get("/login/", proxied=False)
    assert response.status == 301
    assert response.headers["Location"] == f"{visitor.origin}/login/"


def test_health_check_answers_plain_http_with_every_service_up(visitor):
    response = visitor.get("/healthz", proxied=False)
    assert response.status == 200
    assert json.loads(response.body) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_pages_carry_the_production_security_headers(visitor):
    response = visitor.get("/login/")
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_collected_hashed_and_served_by_whitenoise(visitor):
    stylesheets = PageParser(visitor.get("/login/").text).links
    assert stylesheets and all(re.search(r"\.[0-9a-f]{12}\.css$", s) for s in stylesheets)
    response = visitor.get(stylesheets[0])
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "immutable" in response.headers["Cache-Control"]


def test_missing_page_is_the_products_404_without_debug_details(visitor):
    response = visitor.get("/no-such-page/")
    assert response.status == 404
    assert "Page not found" in response.text
    assert_no_debug_page(response)


def test_unknown_host_is_refused_without_debug_details(visitor):
    response = visitor.get("/login/", headers={"Host": "evil.example"})
    assert response.status == 400
    assert_no_debug_page(response)


def test_director_requests_waits_for_and_downloads_the_impact_report(director):
    reports = director.get("/reports/")
    assert reports.status == 200
    assert reports.headers["Cache-Control"] == "no-store"
    queued = director.post(
        "/reports/request/",
        {**hidden(reports), "year": YEAR, "language": "en", "variant": "internal"},
    )
    assert queued.status == 302, queued.text[:500]
    report_uuid = re.fullmatch(r"/reports/#report-([0-9a-f-]{36})", queued.headers["Location"])[1]

    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    while True:
        status = director.get("/reports/status.json")
        assert status.status == 200
        mine = next(r for r in json.loads(status.body)["reports"] if r["uuid"] == report_uuid)
        assert mine["status"] != "failed", f"the report failed: {mine['error']}"
        if mine["status"] == "done":
            break
        assert time.monotonic() < deadline, f"not done after {REPORT_WAIT_SECONDS} s: {mine}"
        time.sleep(2)

    pdf = director.get(mine["download_url"])
    assert pdf.status == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        rf'attachment; filename="impact-report-{YEAR}-en-internal-v\d+\.pdf"',
        pdf.headers["Content-Disposition"],
    )
    assert pdf.headers["Cache-Control"] == "no-store"
    assert int(pdf.headers["Content-Length"]) == len(pdf.body)
    assert pdf.body.startswith(b"%PDF-")

    from pdfminer.high_level import extract_text

    assert str(YEAR) in extract_text(io.BytesIO(pdf.body), maxpages=2)
