import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_member_logs_in_and_sees_the_menu(live_server, page, log_in, social_worker_tom_dy):
    log_in(social_worker_tom_dy)
    assert page.locator("nav").get_by_text("Cases").is_visible()
    assert page.locator("nav").get_by_text("Reports").count() == 0
