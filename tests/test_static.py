"""Static files and templates: everything is served by us (no CDN, no outside
host), Bootstrap comes from /static/vendor/bootstrap, every {% static %} path
exists (a missing one is a 500 on every page under the manifest storage of
production), and no web template relies on what the Content Security Policy
blocks (inline script, event handler attributes, inline styles)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
# PDFs are rendered by WeasyPrint on the server, never served under the CSP.
PDF_TEMPLATES = TEMPLATES / "reports" / "pdf"

# XML namespaces are names, not addresses anything is fetched from.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
URL = re.compile(r"""https?://[^\s"'<>)]+""")


def _without_template_comments(text: str) -> str:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    text = re.sub(r"{#.*?#}", "", text, flags=re.S)
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def _without_code_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    # `// ...` to the end of the line, but not the `//` of `https://`.
    return re.sub(r"(^|[\s;{}])//[^\n]*", r"\1", text)


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in {".html", ".txt"})


def web_templates() -> list[Path]:
    return [p for p in template_files() if PDF_TEMPLATES not in p.parents and p.suffix == ".html"]


def static_files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.suffix in {".js", ".css", ".html", ".svg"})


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_files_to_check():
    assert len(template_files()) > 3 and len(static_files()) >= 2


@pytest.mark.parametrize("path", template_files(), ids=_rel)
def test_template_references_no_outside_host(path):
    # Plain-text email templates may link to our own site only through SITE_URL.
    text = _without_template_comments(path.read_text(encoding="utf-8"))
    outside = [u for u in URL.findall(text) if u.rstrip("/") not in NAMESPACES]
    assert outside == [], f"{_rel(path)} references {outside}"


@pytest.mark.parametrize("path", static_files(), ids=_rel)
def test_static_file_references_no_outside_host(path):
    text = _without_code_comments(path.read_text(encoding="utf-8"))
    outside = [u for u in URL.findall(text) if u.rstrip("/") not in NAMESPACES]
    assert outside == [], f"{_rel(path)} references {outside}"
    assert not re.search(r"@import\s+url\(\s*['\"]?//", text), "protocol-relative import"


@pytest.mark.parametrize("path", web_templates(), ids=_rel)
def test_web_template_has_nothing_the_csp_blocks(path):
    text = _without_template_comments(path.read_text(encoding="utf-8"))
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
        assert re.search(r"\ssrc=", tag), f"{_rel(path)}: inline script {tag}"
        assert not re.search(r"""src=["']?(https?:)?//""", tag), f"outside script {tag}"
    assert not re.search(r"<style\b", text, flags=re.I), f"{_rel(path)}: inline <style>"
    assert not re.search(r"\sstyle\s*=", text, flags=re.I), f"{_rel(path)}: style attribute"
    handler = re.search(r"<[^>]*\son[a-z]+\s*=", text, flags=re.I)
    assert not handler, f"{_rel(path)}: inline event handler {handler and handler.group(0)}"
    assert "javascript:" not in text.lower(), f"{_rel(path)}: javascript: URL"


def test_static_scripts_do_not_evaluate_strings():
    for path in STATIC.rglob("*.js"):
        text = _without_code_comments(path.read_text(encoding="utf-8"))
        assert not re.search(r"\beval\s*\(|\bnew\s+Function\s*\(", text), _rel(path)


STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")


def test_every_static_path_in_a_template_exists():
    missing = []
    used = 0
    for path in template_files():
        for name in STATIC_TAG.findall(path.read_text(encoding="utf-8")):
            used += 1
            if not finders.find(name):
                missing.append(f"{_rel(path)}: {name}")
    assert used > 0
    assert missing == []


def test_bootstrap_is_served_from_static_vendor_bootstrap():
    for name in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
    ):
        found = finders.find(name)
        assert found, f"{name} is not among the static files"
        assert Path(found).stat().st_size > 10_000
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "{% static 'vendor/bootstrap/css/bootstrap.min.css' %}" in base
    assert "{% static 'vendor/bootstrap/js/bootstrap.bundle.min.js' %}" in base


@pytest.mark.django_db
def test_rendered_page_loads_bootstrap_from_our_static_url(client):
    html = client.get("/login/").content.decode()
    assert 'href="/static/vendor/bootstrap/css/bootstrap.min.css"' in html
    assert 'src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js"' in html
    for url in re.findall(r"""(?:src|href)="([^"]+)\"""", html):
        assert not re.match(r"(https?:)?//", url), f"outside reference {url}"


def test_bootstrap_css_fetches_nothing_from_outside():
    css = Path(finders.find("vendor/bootstrap/css/bootstrap.min.css")).read_text(encoding="utf-8")
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        assert url.startswith("data:") or not re.match(r"(https?:)?//", url), url
