"""The Khmer catalogue is complete, well-formed, and the pages really come out in Khmer."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

from reports.translations import compile_catalogues
from tests import factories

PO_PATH = Path(settings.BASE_DIR) / "locale" / "km" / "LC_MESSAGES" / "django.po"

# %(name)s, %s, %d, {0}, {name} and HTML tags must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\([A-Za-z_0-9]+\)[sdif]|%[sdif]|\{[A-Za-z_0-9]*\}|</?[a-z][^>]*>")
KHMER = re.compile(r"[\u1780-\u17ff]")

# Latin words a Khmer msgstr may keep: codes, formats, file and figure names.
LATIN_ALLOWED = {
    "SMF",
    # QR codes, and the authenticator apps' own names (two-factor sign-in).
    "QR",
    "Google",
    "Microsoft",
    "Authenticator",
    "FreeOTP",
    "Aegis",
    "CSV",
    "PDF",
    "MB",
    "US",
    "USD",
    "zip",
    "Zip",
    "UTF",
    "YYYY",
    "MM",
    "DD",
    "yes",
    "no",
    "TD",
    "cases",
    "stays",
    "csv",
    "import_records",
    "followup",
    "on_time_pct",
}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _msgstrs(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def test_catalogue_is_complete_and_not_fuzzy(catalogue):
    live = [e for e in catalogue if not e.obsolete]
    assert len(live) > 100
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert catalogue.percent_translated() == 100


def test_khmer_has_one_plural_form(catalogue):
    assert catalogue.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    for entry in catalogue:
        if entry.msgid_plural and not entry.obsolete:
            assert list(entry.msgstr_plural) == [0], entry.msgid
            assert entry.msgstr_plural[0].strip(), entry.msgid


def test_placeholders_and_tags_match(catalogue):
    wrong = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            # With one Khmer form the singular's placeholders come from the plural msgid.
            expected = sorted(PLACEHOLDER.findall(entry.msgid_plural))
        for msgstr in _msgstrs(entry):
            if sorted(PLACEHOLDER.findall(msgstr)) != expected:
                wrong.append((entry.msgid, msgstr))
    assert wrong == []


def test_every_msgstr_is_in_khmer(catalogue):
    not_khmer = []
    for entry in catalogue:
        if entry.obsolete or entry.msgid in {"SMF"}:
            continue
        for msgstr in _msgstrs(entry):
            text = PLACEHOLDER.sub(" ", msgstr)
            latin = set(re.findall(r"[A-Za-z_]{2,}", text)) - LATIN_ALLOWED
            if not KHMER.search(text) or latin:
                not_khmer.append((entry.msgid, msgstr, sorted(latin)))
    assert not_khmer == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is not installed")
def test_msgfmt_accepts_the_catalogue():
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(PO_PATH)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# --- Rendered pages ----------------------------------------------------------------------

# Labels every page shows in English; none may survive in the Khmer interface.
ENGLISH_LABELS = [
    "Log in",
    "Log out",
    "Username",
    "Password",
    "Cases",
    "Centers",
    "Reports",
    "Search",
    "Case code",
    "Save",
    "Cancel",
    "Follow-up",
    "Outreach",
    "Page not found",
]

# Latin words a Khmer page may show: names and codes from the test data, the language
# switcher's own name for English, and technical tokens.
PAGE_LATIN_ALLOWED = LATIN_ALLOWED | {
    "English",
    "Tom",
    "Dy",
    "Phnom",
    "Penh",
    "Srey",
    "Mom",
    "Cambodian",
    # usernames of the personas in tests/conftest.py
    "sw_tomdy",
    "outreach",
    "reint",
    "legal",
    "director",
    "admin",
}


def visible_text(content: bytes) -> str:
    text = content.decode()
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return html.unescape(text)


@pytest.fixture
def khmer_client(client):
    compile_catalogues()  # .mo files are not committed: compile when missing or stale
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "km"
    return client


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2011-0001")
    factories.stay(case, tom_dy)
    return case


def get_km(client, url: str, status: int = 200) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == status, url
    return visible_text(response.content)


def assert_khmer_page(text: str, url: str) -> None:
    assert len(KHMER.findall(text)) > 20, url
    for label in ENGLISH_LABELS:
        assert not re.search(rf"\b{re.escape(label)}\b", text), (url, label)
    latin = set(re.findall(r"[A-Za-z][A-Za-z_]+", text)) - PAGE_LATIN_ALLOWED
    assert latin == set(), (url, sorted(latin))


@pytest.mark.django_db
def test_login_page_is_in_khmer_and_english_still_works(client, khmer_client):
    assert_khmer_page(get_km(khmer_client, "/login/"), "/login/")
    khmer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visible_text(khmer_client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Log in" in english and not KHMER.search(english)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/cases/",
        "/cases/new/",
        "/cases/TD-2011-0001/",
        "/cases/TD-2011-0001/edit/",
        "/centers/",
        "/centers/TD/",
        "/centers/cases/TD-2011-0001/",
    ],
)
def test_social_worker_pages_are_in_khmer(khmer_client, social_worker_tom_dy, resident, url):
    khmer_client.force_login(social_worker_tom_dy)
    assert_khmer_page(get_km(khmer_client, url), url)


@pytest.mark.django_db
def test_not_found_page_is_in_khmer(khmer_client, social_worker_tom_dy):
    khmer_client.force_login(social_worker_tom_dy)
    assert_khmer_page(get_km(khmer_client, "/cases/NOPE-404/", status=404), "404")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,url",
    [
        ("outreach_worker", "/outreach/visits/new/"),
        ("outreach_worker", "/outreach/venues/"),
        ("outreach_worker", "/outreach/clinic/new/"),
        ("reintegration_officer", "/reintegration/"),
        ("reintegration_officer", "/reintegration/team/"),
        ("reintegration_officer", "/reintegration/feed/"),
        ("legal_officer", "/cases/legal/"),
    ],
)
def test_team_pages_are_in_khmer(khmer_client, request, tom_dy, persona, url):
    khmer_client.force_login(request.getfixturevalue(persona))
    assert_khmer_page(get_km(khmer_client, url), url)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_who_may_do_what_page_is_in_khmer(khmer_client, request, persona):
    # Section labels are declared at import: they must stay lazy to come out in Khmer.
    khmer_client.force_login(request.getfixturevalue(persona))
    text = get_km(khmer_client, "/staff/who-may-do-what/")
    assert_khmer_page(text, "/staff/who-may-do-what/")
    assert "កំណត់ចំណាំករណី៖" in text


@pytest.mark.django_db
def test_legal_officers_case_file_is_in_khmer(khmer_client, legal_officer, resident):
    factories.legal_case(resident, reference="TD-1")
    khmer_client.force_login(legal_officer)
    assert_khmer_page(get_km(khmer_client, "/cases/TD-2011-0001/"), "case file (legal officer)")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,url",
    [("director", "/reports/"), ("administrator", "/reports/import/")],
)
def test_report_and_import_pages_are_in_khmer(khmer_client, request, persona, url):
    # These pages list figure keys and CSV file names, which stay in Latin script.
    khmer_client.force_login(request.getfixturevalue(persona))
    text = get_km(khmer_client, url)
    assert len(KHMER.findall(text)) > 20
    for label in ENGLISH_LABELS:
        assert not re.search(rf"\b{re.escape(label)}\b", text), (url, label)


# Django's own messages that our forms and calendar show; Django's km catalogue lacks
# them, so ours must carry them (see the comment on each in django.po).
DJANGO_MESSAGES = [
    "Enter a valid date.",
    "Enter a number.",
    "Enter a valid integer.",
    "Select a valid choice. That choice is not one of the available choices.",
    "Select a valid choice. %(value)s is not one of the available choices.",
    "Ensure this value is greater than or equal to %(limit_value)s.",
    "Mon",
    "Sun",
]


def test_django_messages_our_pages_show_are_in_khmer():
    from django.utils import translation

    compile_catalogues()
    with translation.override("km"):
        for message in DJANGO_MESSAGES:
            assert KHMER.search(translation.gettext(message)), message


@pytest.mark.django_db
def test_form_errors_are_in_khmer(khmer_client, social_worker_tom_dy, tom_dy):
    khmer_client.force_login(social_worker_tom_dy)
    response = khmer_client.post(
        "/cases/new/",
        {"given_name": "", "birth_year": "abc", "intake_date": "not-a-date", "sex": "x"},
        HTTP_ACCEPT_LANGUAGE="km",
    )
    assert response.status_code == 200  # the form comes back with its errors
    text = visible_text(response.content)
    assert_khmer_page(text, "/cases/new/ (errors)")
    for english in ("Enter a valid date", "Enter a whole number", "This field is required"):
        assert english not in text
    from django.utils import translation

    with translation.override("km"):
        date_error = translation.gettext("Enter a valid date.")
    assert KHMER.search(date_error) and date_error in text
