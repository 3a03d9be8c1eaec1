"""The "who may do what" page (/staff/who-may-do-what/): every declared section
with each role's level, for directors and administrators only."""

from __future__ import annotations

import html
import re

import pytest

from smf.staff import sections
from smf.staff.roles import Role

pytestmark = pytest.mark.django_db

URL = "/staff/who-may-do-what/"
SW, CM, RO, OW = "social_worker", "center_manager", "reintegration_officer", "outreach_worker"
LO, DIR, ADMIN = "legal_officer", "director", "administrator"

CASE_READERS = {SW: "write", CM: "write", RO: "read", LO: "read", DIR: "read", ADMIN: "read"}
# The matrix as decided (issue 10), written out here so that a section that
# drifts, disappears or appears shows up as a difference.
MATRIX = {
    "identity": CASE_READERS,
    "consents": CASE_READERS,
    "notes.counselling": {SW: "write", CM: "write", DIR: "read"},
    "notes.medical": {SW: "write", CM: "write", DIR: "read"},
    "notes.legal": {SW: "write", CM: "write", LO: "write", DIR: "read"},
    "notes.family": {SW: "write", CM: "write", RO: "write", DIR: "read"},
    "notes.education": {SW: "write", CM: "write", RO: "read", DIR: "read"},
    "notes.other": {SW: "write", CM: "write", RO: "read", DIR: "read"},
    "center_life": {SW: "write", CM: "write", RO: "read", DIR: "read", ADMIN: "read"},
    "reintegration": {RO: "write", SW: "read", CM: "read", DIR: "read", ADMIN: "read"},
    "legal": {LO: "write", SW: "read", CM: "read", DIR: "read", ADMIN: "read"},
    # Opening a legal case refers her to the legal team, who sees only cases with one.
    "legal_referral": {SW: "write", CM: "write", LO: "write", DIR: "read", ADMIN: "read"},
    "followup_agenda": {RO: "write", DIR: "read", ADMIN: "read"},
    "followup_settings": {ADMIN: "write"},
    "outreach": {OW: "write", DIR: "read", ADMIN: "read"},
    "reports": {DIR: "write", ADMIN: "write"},
    "import": {ADMIN: "write"},
    "audit_log": {DIR: "read", ADMIN: "read"},
    "accounts": {ADMIN: "write"},
    "centers": {ADMIN: "write", DIR: "read"},
    "who_may_do_what": {DIR: "read", ADMIN: "read"},
}


def _cell(cell: str) -> str | None:
    if "write" in cell:
        return "write"
    if "read" in cell:
        return "read"
    assert "—" in cell, cell
    return None


def table_of(page: str) -> dict[str, dict[str, str]]:
    """{section label: {role label: "read"|"write"}} as the page shows it."""
    shown = {}
    for table in re.findall(r"(?s)<table.*?</table>", page):
        header = re.search(r"(?s)<thead>.*?</thead>", table).group(0)
        columns = [html.unescape(c) for c in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', header)]
        for row in re.findall(r"(?s)<tr>\s*<th scope=\"row\".*?</tr>", table):
            label = html.unescape(
                re.search(r'<span class="fw-semibold">(.*?)</span>', row).group(1)
            )
            cells = re.findall(r'(?s)<td class="text-center">(.*?)</td>', row)
            assert len(cells) == len(columns) - 1, label
            levels = {role: _cell(cell) for role, cell in zip(columns[1:], cells, strict=True)}
            assert label not in shown, f"{label} listed twice"
            shown[label] = {role: level for role, level in levels.items() if level}
    return shown


@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_page_opens_for_directors_and_administrators(request, login, persona):
    response = login(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    assert "Who may do what" in response.content.decode()


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker_tom_dy",
        "center_manager_tom_dy",
        "reintegration_officer",
        "outreach_worker",
        "legal_officer",
        "no_role_user",
    ],
)
def test_page_is_a_404_for_everyone_else(request, login, persona):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 404


def test_page_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_page_lists_every_declared_section_with_each_roles_level(login, director):
    shown = table_of(login(director).get(URL).content.decode())
    declared = {str(section.label): section for section in sections.all_sections()}
    # Every section the apps declared, each once, and nothing else.
    assert set(shown) == set(declared)
    labels = {role: str(Role.LABELS[role]) for role in Role.ALL}
    for label, section in declared.items():
        expected = {
            labels[role]: ("write" if level == sections.Level.WRITE else "read")
            for role, level in section.levels.items()
            if level > sections.Level.NONE
        }
        assert shown[label] == expected, label


def test_page_shows_the_matrix_as_decided(login, administrator):
    shown = table_of(login(administrator).get(URL).content.decode())
    labels = {role: str(Role.LABELS[role]) for role in Role.ALL}
    assert {section.key for section in sections.all_sections()} == set(MATRIX)
    for key, levels in MATRIX.items():
        label = str(sections.get(key).label)
        assert shown[label] == {labels[role]: level for role, level in levels.items()}, key


def test_page_has_a_column_per_role_in_order(login, director):
    page = login(director).get(URL).content.decode()
    header = re.search(r"(?s)<thead>.*?</thead>", page).group(0)
    columns = [html.unescape(c) for c in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', header)]
    assert columns[1:] == [str(Role.LABELS[role]) for role in Role.ALL]
