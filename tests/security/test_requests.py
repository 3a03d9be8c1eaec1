"""Request-level defences: CSRF on every write, no GET that writes, no open
redirect, the calendar token, child records addressed through another case,
counts across centers, media never served, session and cookie settings."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from reintegration.services import calendar_token_regenerate, calendar_token_revoke
from shelters.models import GroupActivity
from smf.staff.models import AuditLog

from .conftest import NAME
from .test_every_url import ADMIN, PERSONAS, SW_SR, SW_TD, URL_RULES

WRITES = sorted(name for name, rule in URL_RULES.items() if rule.method != "get")
ALL_PAGES = sorted(URL_RULES)


def _writer(url_name: str) -> str:
    """A persona who may write through this URL (URL_RULES: allowed, not a reader)."""
    rule = URL_RULES[url_name]
    return next(p for p in PERSONAS if p in rule.allowed and p not in rule.readers)


def _opener(url_name: str) -> str:
    """A persona who gets through: a writer if there is one (she sees the form)."""
    rule = URL_RULES[url_name]
    if rule.method != "get":
        return _writer(url_name)
    return next(p for p in PERSONAS if p in rule.allowed)


EVIL = ["//evil.example/x", "https://evil.example/x", "/\\evil.example", "\\\\evil.example"]


def _snapshot() -> dict:
    """Every row of every table (many-to-many ones too) but the audit log and the sessions."""
    skip = {"staff.auditlog", "sessions.session", "admin.logentry"}
    return {
        model._meta.label_lower: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in skip
    }


@pytest.mark.parametrize("url_name", WRITES)
def test_every_write_needs_the_csrf_token(url_name, world):
    """Someone who may write there, posting from another site, gets the CSRF
    refusal (not a permission's 403) and nothing is written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[_writer(url_name)])
    url = reverse(url_name, kwargs=URL_RULES[url_name].kwargs(world))
    before = _snapshot()
    response = client.post(url, {"action": "revoke"})
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert _snapshot() == before


def test_login_needs_the_csrf_token(world):
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "admin", "password": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("url_name", ALL_PAGES)
def test_no_get_writes(url_name, world, login):
    """Opening a page changes nothing but the audit log (a GET can be prefetched,
    or forged by an <img> on another site), for someone who may open it."""
    client = login(world.users[_opener(url_name)])
    url = reverse(url_name, kwargs=URL_RULES[url_name].kwargs(world))
    before = _snapshot()
    response = client.get(url)
    assert response.status_code not in (403, 404, 500), f"{url}: {response.status_code}"
    assert _snapshot() == before


@pytest.mark.parametrize("target", EVIL)
def test_next_never_sends_anyone_to_another_site(target, world, login):
    client = login(world.users[SW_TD])
    # A case with no open stay: the transfer page goes straight back to `next`.
    url = reverse("shelters:case_transfer", args=[world.cases["td_reint"].code])
    response = client.get(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    assert "evil.example" not in response["Location"]
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert "evil.example" not in response.get("Location", "")


@pytest.mark.parametrize("target", EVIL)
def test_login_next_stays_on_this_site(target, world):
    client = Client()
    response = client.post(
        reverse("login") + f"?next={target}",
        {"username": "admin", "password": "correct-horse-battery-staple", "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_next_within_the_site_is_followed(world, login):
    client = login(world.users[SW_TD])
    url = reverse("shelters:case_transfer", args=[world.cases["td_reint"].code])
    response = client.get(url, {"next": "/centers/TD/"})
    assert response["Location"] == "/centers/TD/"


# --- the calendar feed's secret address ----------------------------------------------


def test_feed_token_works_until_revoked_or_replaced(world, client):
    officer = world.users["reintegration_officer"]
    first = calendar_token_regenerate(user=officer)
    assert client.get(reverse("reintegration:feed", args=[first])).status_code == 200
    second = calendar_token_regenerate(user=officer)
    assert client.get(reverse("reintegration:feed", args=[first])).status_code == 404
    assert client.get(reverse("reintegration:feed", args=[second])).status_code == 200
    calendar_token_revoke(user=officer)
    assert client.get(reverse("reintegration:feed", args=[second])).status_code == 404


def test_feed_of_a_deactivated_or_demoted_user_is_gone(world, client):
    officer = world.users["reintegration_officer"]
    token = calendar_token_regenerate(user=officer)
    officer.groups.clear()
    assert client.get(reverse("reintegration:feed", args=[token])).status_code == 404
    director = world.users["director"]
    token = calendar_token_regenerate(user=director)
    director.is_active = False
    director.save()
    assert client.get(reverse("reintegration:feed", args=[token])).status_code == 404


# --- child records addressed through a case the user does see (IDOR) ------------------


@pytest.mark.parametrize(
    "relation,url_name",
    [
        ("education", "shelters:education_edit"),
        ("training", "shelters:training_edit"),
        ("internship", "shelters:internship_edit"),
    ],
)
def test_a_record_of_another_case_is_404_through_a_visible_case(relation, url_name, world, login):
    """A Siem Reap social worker names her own case and a Tom Dy record's uuid."""
    client = login(world.users[SW_SR])
    record = getattr(world, relation)
    url = reverse(url_name, args=[world.cases["sr"].code, record.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"ended_on": "2011-04-01"}).status_code == 404


def test_a_tom_dy_activity_is_404_through_a_siem_reap_center(world, login):
    client = login(world.users[SW_SR])
    url = reverse("shelters:activity", args=["SR", world.activity.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x"}).status_code == 404
    assert GroupActivity.objects.get(pk=world.activity.pk).title == "Sewing circle"


def test_a_consent_of_another_case_cannot_be_withdrawn(world, login):
    client = login(world.users[SW_SR])
    url = reverse("cases:consent_withdraw", args=[world.cases["sr"].code])
    response = client.post(url, {"consent": world.consent.pk, "withdrawn_on": "2011-02-01"})
    assert response.status_code == 404
    world.consent.refresh_from_db()
    assert world.consent.withdrawn_on is None


# --- counts and searches across centers ------------------------------------------------


def test_siem_reap_counts_and_searches_see_no_tom_dy_case(world, login):
    client = login(world.users[SW_SR])
    page = client.get(reverse("caseload:list")).context["page"]
    assert page.paginator.count == 1
    for key in ("td", "td_legal", "td_reint"):
        for text in (" ".join(NAME[key]), world.cases[key].code):
            response = client.post(reverse("caseload:list"), {"q": text}, follow=True)
            assert response.context["page"].paginator.count == 0
    board = client.get(reverse("shelters:list")).context["board"]
    assert [center.code for center in board] == ["SR"]
    legal = client.get(reverse("cases:legal_list")).context["page"]
    assert legal.paginator.count == 0


def test_tom_dy_finds_its_own_case_by_name(world, login):
    """The control for the test above: the same search finds a case one may see."""
    response = login(world.users[SW_TD]).post(
        reverse("caseload:list"), {"q": " ".join(NAME["td"])}, follow=True
    )
    assert response.context["page"].paginator.count == 1


def test_a_refused_attempt_is_audited_like_any_other(world, login):
    login(world.users[SW_SR]).get(reverse("cases:file", args=[world.cases["td"].code]))
    assert AuditLog.objects.filter(
        action="access_denied", case_code=world.cases["td"].code, user=world.users[SW_SR]
    ).exists()


# --- files, sessions, cookies ---------------------------------------------------------


def test_uploaded_imports_and_report_pdfs_are_never_served_as_files(world, client):
    """Import archives (names!) and PDFs are read only through the scoped views."""
    client.force_login(world.users[ADMIN])
    for path in (world.import_job.archive, world.report.file.name):
        assert client.get(f"/{django_settings.MEDIA_URL}{path}").status_code == 404
        assert client.get(f"/static/{path}").status_code == 404
    media = str(django_settings.MEDIA_ROOT)
    assert not str(django_settings.STATIC_ROOT).startswith(media)
    assert not media.startswith(str(django_settings.STATIC_ROOT))
    assert getattr(django_settings, "WHITENOISE_ROOT", None) is None


def test_session_and_cookie_settings():
    s = django_settings
    assert s.SESSION_COOKIE_HTTPONLY
    assert s.SESSION_COOKIE_AGE <= 12 * 60 * 60  # one working day
    assert s.SESSION_EXPIRE_AT_BROWSER_CLOSE  # shared office computers
    assert s.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert s.X_FRAME_OPTIONS == "DENY"
    assert s.SECURE_CONTENT_TYPE_NOSNIFF
    assert "django.middleware.csrf.CsrfViewMiddleware" in s.MIDDLEWARE
    assert "django.contrib.auth.middleware.AuthenticationMiddleware" in s.MIDDLEWARE


def test_logout_is_a_post_and_ends_the_session(world):
    client = Client()
    client.force_login(world.users[SW_TD])
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    response = client.get(reverse("cases:file", args=[world.cases["td"].code]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_page_titles_carry_codes_never_names(world, login):
    """Page titles end up in browser history and bookmarks: codes only."""
    client = login(world.users[SW_TD])
    for url in (
        reverse("cases:file", args=[world.cases["td"].code]),
        reverse("reintegration:case", args=[world.cases["td_reint"].code]),
        reverse("cases:legal_detail", args=[world.legal_case.reference]),
    ):
        body = client.get(url).content.decode()
        title = body.split("<title>", 1)[1].split("</title>", 1)[0]
        for pair in NAME.values():
            assert not set(pair) & set(title.split()), title
