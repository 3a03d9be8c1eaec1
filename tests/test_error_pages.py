"""Refusals are pages of the site: navigation, a plain reason, what to do next."""

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_read_only_user_refused_a_change_gets_the_site_page_with_next_steps(
    login, director, tom_dy
):
    case = factories.case("TD-2026-0042")
    response = login(director).get(f"/cases/{case.code}/edit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may read this part of the case but not change it." in page
    assert "What to do next" in page
    assert 'href="/"' in page and "navbar" in page


def test_expired_form_says_nothing_was_saved_and_what_to_do(director):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = client.post("/reports/request/", {"year": 2025})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "reload the page" in page
