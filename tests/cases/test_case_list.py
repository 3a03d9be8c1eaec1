"""The case list and its CSV export: scoping, search, filters, query counts, audit."""

import csv
import io
from datetime import date

import pytest

from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def _codes(response):
    return {case.code for case in response.context["page"]}


def _search(client, text, **filters):
    """The search box: post the text (it never goes in an address), follow the
    redirect to the list, whose address holds the search's key."""
    return client.post("/cases/", {"q": text, **filters}, follow=True)


def test_siem_reap_staff_never_see_tom_dy_cases_in_list_search_or_count(
    login, social_worker_siem_reap, resident_tom_dy, resident_siem_reap
):
    client = login(social_worker_siem_reap)
    response = client.get("/cases/")
    assert _codes(response) == {resident_siem_reap.code}
    assert response.context["page"].paginator.count == 1
    for q in (resident_tom_dy.code, "ស្រីមុំ សុខ", "TD-"):
        response = _search(client, q)
        assert _codes(response) == set()
        assert f"/cases/{resident_tom_dy.code}/" not in response.content.decode()


def test_search_by_code_and_by_exact_name_in_either_order(
    login, social_worker_tom_dy, resident_tom_dy, tom_dy
):
    other = factories.case("TD-2026-0002", given_name="Dara", family_name="Chan")
    factories.stay(other, tom_dy)
    client = login(social_worker_tom_dy)
    assert _codes(_search(client, "td-2026-0001")) == {resident_tom_dy.code}
    assert _codes(_search(client, "TD-2026")) == {resident_tom_dy.code, other.code}
    assert _codes(_search(client, "ស្រីមុំ  សុខ")) == {resident_tom_dy.code}
    assert _codes(_search(client, "សុខ ស្រីមុំ")) == {resident_tom_dy.code}
    assert _codes(_search(client, "Dara")) == set()  # exact full names only
    assert _codes(_search(client, "dara chan")) == {other.code}


def test_filters(login, director, tom_dy, siem_reap):
    in_training = factories.case("A-1", intake_date=date(2024, 3, 1))
    factories.stay(in_training, tom_dy, admitted_on=date(2024, 3, 1))
    factories.training(in_training, started_on=date(2024, 4, 1))
    reintegrated = factories.case("A-2", intake_date=date(2023, 1, 1), exploitation_type="labour")
    factories.stay(reintegrated, siem_reap, admitted_on=date(2023, 1, 1), left_on=date(2023, 12, 1))
    never_admitted = factories.case("A-3", intake_date=date(2024, 5, 1))
    client = login(director)
    assert _codes(client.get("/cases/", {"status": "in_center"})) == {"A-1"}
    assert _codes(client.get("/cases/", {"status": "reintegrated"})) == {"A-2"}
    assert _codes(client.get("/cases/", {"status": "intake"})) == {never_admitted.code}
    assert _codes(client.get("/cases/", {"center": siem_reap.pk})) == {"A-2"}
    assert _codes(client.get("/cases/", {"intake_year": 2024})) == {"A-1", "A-3"}
    assert _codes(client.get("/cases/", {"exploitation_type": "labour"})) == {"A-2"}
    assert _codes(client.get("/cases/", {"in_training": "on"})) == {"A-1"}
    assert _codes(client.get("/cases/", {"reintegrated": "on"})) == {"A-2"}
    codes = [c.code for c in client.get("/cases/", {"sort": "intake"}).context["page"]]
    assert codes == ["A-2", "A-1", "A-3"]


def test_bad_filter_values_are_ignored_not_a_500(login, director, resident_tom_dy):
    response = login(director).get(
        "/cases/", {"intake_year": "abc", "center": "999999", "sort": "x", "page": "zz"}
    )
    assert response.status_code == 200
    assert _codes(response) == {resident_tom_dy.code}


def test_pagination_is_25_per_page(login, director, tom_dy):
    for n in range(30):
        factories.case(f"P-{n:03d}")
    client = login(director)
    assert len(client.get("/cases/", {"sort": "code"}).context["page"]) == 25
    assert len(client.get("/cases/", {"sort": "code", "page": 2}).context["page"]) == 5


@pytest.mark.parametrize("persona", ["outreach_worker", "no_role_user"])
def test_case_list_and_export_refused_without_a_case_role(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get("/cases/").status_code == 404
    assert client.get("/cases/export.csv").status_code == 404


def test_case_list_query_count_is_fixed(
    login, social_worker_tom_dy, tom_dy, django_assert_num_queries
):
    for n in range(40):
        case = factories.case(f"TD-2026-{n:04d}")
        factories.stay(case, tom_dy)
    client = login(social_worker_tom_dy)
    client.get("/cases/")
    # 9 = session, user, roles (groups), centers (whether she may register a
    # survivor follows from them: no query of its own), COUNT for the
    # paginator, the page's 25 ids, the 25 rows (status flags and current
    # center are subqueries of that one query), whether the Centers menu entry
    # shows (one EXISTS per request), the center filter's options.
    with django_assert_num_queries(9):
        response = client.get("/cases/")
    assert len(response.context["page"]) == 25


def test_export_has_codes_and_no_names_and_is_audited_per_case(
    login, social_worker_tom_dy, resident_tom_dy, resident_siem_reap
):
    client = login(social_worker_tom_dy)
    query = _search(client, "ស្រីមុំ សុខ").context["query"]  # search=<key>
    response = client.get(f"/cases/export.csv?{query}")
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    text = body.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "case code"
    assert [r[0] for r in rows[1:]] == [resident_tom_dy.code]
    assert "ស្រីមុំ" not in text and "សុខ" not in text
    assert resident_siem_reap.code not in text
    summary = AuditLog.objects.get(action="cases_export")
    assert summary.details["rows"] == 1
    assert summary.details["filters"]["q"] == "(search)"
    per_case = AuditLog.objects.get(action="case_export")
    assert per_case.case_code == resident_tom_dy.code
    assert per_case.user == social_worker_tom_dy


def test_export_by_siem_reap_staff_holds_no_tom_dy_case(
    login, social_worker_siem_reap, resident_tom_dy, resident_siem_reap
):
    text = login(social_worker_siem_reap).get("/cases/export.csv").content.decode()
    assert resident_siem_reap.code in text
    assert resident_tom_dy.code not in text
    assert not AuditLog.objects.filter(case_code=resident_tom_dy.code).exists()
