"""Two-factor sign-in (smf/staff/twofactor.py): who must have it, the sign-in
with a code or a recovery code, the enrolment with its QR code, the
administrator's reset, the audit of each, and the demo's shared secret.

Sign-ins go through the real form (POSTs to /login/); `force_login(...,
second_factor=False)` gives a login that no code confirmed."""

from __future__ import annotations

import re
from io import StringIO

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from smf.staff.models import AuditLog
from smf.staff.roles import Role
from smf.staff.twofactor import totp_enrol, totp_secret_of
from tests.conftest import PASSWORD
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = "login_view-current_step"
KHMER = re.compile(r"[\u1780-\u17ff]")


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.AXES_ENABLED = True
    settings.MFA_REQUIRED_FOR_ALL = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dara(db):
    return staff_member(username="dara", password=PASSWORD, roles=[Role.DIRECTOR])


def code(secret=SECRET) -> str:
    return pyotp.TOTP(secret).now()


def password_step(client, user, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": user.username, "password": password, **extra})


def actions(user=None) -> list[str]:
    qs = AuditLog.objects.order_by("id")
    if user is not None:
        qs = qs.filter(user=user)
    return list(qs.values_list("action", flat=True))


# --- Who must -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, must",
    [
        (Role.DIRECTOR, True),
        (Role.ADMINISTRATOR, True),
        (Role.CENTER_MANAGER, True),
        (Role.SOCIAL_WORKER, False),
        (Role.REINTEGRATION_OFFICER, False),
        (Role.OUTREACH_WORKER, False),
        (Role.LEGAL_OFFICER, False),
    ],
)
def test_the_roles_that_must_enrol_are_sent_to_the_enrolment(client, role, must):
    user = staff_member(username="u", password=PASSWORD, roles=[role])
    client.force_login(user, second_factor=False)
    response = client.get(reverse("home"))
    if must:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor:setup"))
    else:
        assert response.status_code == 200


def test_a_superuser_must_enrol_too(client):
    user = staff_member(username="root", password=PASSWORD, roles=[])
    user.is_superuser = True
    user.save()
    client.force_login(user, second_factor=False)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor:setup"))


def test_with_mfa_required_for_all_a_social_worker_must_enrol(client, sokha, settings):
    client.force_login(sokha, second_factor=False)
    assert client.get(reverse("home")).status_code == 200
    settings.MFA_REQUIRED_FOR_ALL = True
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("two_factor:setup"))


def test_the_admin_asks_everybody_for_a_second_factor(client, sokha):
    sokha.is_staff = True
    sokha.save()
    client.force_login(sokha, second_factor=False)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:setup"))


def test_the_admin_login_page_is_the_sign_in_with_its_second_factor(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/"


def test_an_unverified_login_of_an_enrolled_user_is_ended(client, dara):
    totp_enrol(dara, secret=SECRET)
    client.force_login(dara, second_factor=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    assert "logout" in actions(dara)


def test_enrolment_pages_stay_open_to_whom_must_enrol(client, dara):
    client.force_login(dara, second_factor=False)
    assert client.get(reverse("two_factor:setup")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


# --- Sign-in with a code ------------------------------------------------------------


def test_an_enrolled_director_signs_in_with_password_then_code(client, dara):
    totp_enrol(dara, secret=SECRET)
    response = password_step(client, dara)
    assert response.status_code == 200
    assert b'name="token-otp_token"' in response.content
    assert SESSION_KEY not in client.session  # the password alone logs nobody in
    response = client.post(reverse("login"), {STEP: "token", "token-otp_token": code()})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session[DEVICE_ID_SESSION_KEY]
    assert client.get(reverse("home")).status_code == 200
    assert actions(dara)[-1:] == ["login"] or "login" in actions(dara)


def test_a_wrong_code_logs_nobody_in_and_is_audited(client, dara):
    totp_enrol(dara, secret=SECRET)
    password_step(client, dara)
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    response = client.post(reverse("login"), {STEP: "token", "token-otp_token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert SESSION_KEY not in client.session
    line = AuditLog.objects.get(action="second_factor_failed")
    assert line.user == dara
    assert line.details["kind"] == "code"
    assert wrong not in str(line.details)


def test_a_code_works_once(client, dara):
    totp_enrol(dara, secret=SECRET)
    now = code()
    password_step(client, dara)
    client.post(reverse("login"), {STEP: "token", "token-otp_token": now})
    assert SESSION_KEY in client.session
    other = Client()
    password_step(other, dara)
    response = other.post(reverse("login"), {STEP: "token", "token-otp_token": now})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert SESSION_KEY not in other.session


def test_a_wrong_password_never_reaches_the_code_step(client, dara):
    totp_enrol(dara, secret=SECRET)
    response = password_step(client, dara, password="not-her-password")
    assert b"token-otp_token" not in response.content
    response = client.post(reverse("login"), {STEP: "token", "token-otp_token": code()})
    assert SESSION_KEY not in client.session
    assert "login_failed" in actions()


def test_a_user_without_a_device_signs_in_with_her_password(client, sokha):
    response = password_step(client, sokha)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(sokha.pk)


def test_a_wrong_code_is_told_in_khmer(client, dara):
    # two_factor swapped in django-otp's own form, whose message is English only.
    totp_enrol(dara, secret=SECRET)
    client.cookies["django_language"] = "km"
    password_step(client, dara)
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    response = client.post(reverse("login"), {STEP: "token", "token-otp_token": wrong})
    with translation.override("km"):
        told = translation.gettext("That code is not right. Check it and try again.")
    assert told != "That code is not right. Check it and try again."
    assert told in response.content.decode()
    assert "Invalid token" not in response.content.decode()


def test_the_code_step_is_in_khmer(client, dara):
    totp_enrol(dara, secret=SECRET)
    client.cookies["django_language"] = "km"
    response = password_step(client, dara)
    text = response.content.decode()
    assert 'name="token-otp_token"' in text
    body = text.split("<main", 1)[-1]
    assert KHMER.search(body)
    assert "authenticator app" not in body


# --- Recovery codes -----------------------------------------------------------------


def _recovery_codes(client) -> list[str]:
    client.post(reverse("two_factor:backup_tokens"))
    page = client.get(reverse("two_factor:backup_tokens")).content.decode()
    listed = re.search(r'<ul[^>]*id="recovery-codes"[^>]*>(.*?)</ul>', page, re.S)
    assert listed is not None
    return re.findall(r"<li>([a-z0-9]+)</li>", listed.group(1))


def test_a_recovery_code_signs_in_once(client, dara):
    totp_enrol(dara, secret=SECRET)
    client.force_login(dara)
    codes = _recovery_codes(client)
    assert len(codes) == 10
    assert "recovery_codes_made" in actions(dara)
    client.post(reverse("logout"))

    for attempt in range(2):
        visitor = Client()
        password_step(visitor, dara)
        response = visitor.post(reverse("login"), {STEP: "token", "wizard_goto_step": "backup"})
        assert b'name="backup-otp_token"' in response.content
        response = visitor.post(reverse("login"), {STEP: "backup", "backup-otp_token": codes[0]})
        if attempt == 0:
            assert response.status_code == 302
            assert visitor.session[SESSION_KEY] == str(dara.pk)
        else:
            assert response.status_code == 200
            assert SESSION_KEY not in visitor.session
    assert StaticDevice.objects.get(user=dara).token_set.count() == 9
    used = AuditLog.objects.get(action="recovery_code_used")
    assert used.details["left"] == 9
    assert codes[0] not in str(used.details)


def test_making_new_recovery_codes_cancels_the_old(client, dara):
    totp_enrol(dara, secret=SECRET)
    client.force_login(dara)
    first = _recovery_codes(client)
    second = _recovery_codes(client)
    assert first and second and not set(first) & set(second)


# --- Enrolment ----------------------------------------------------------------------


def test_a_director_enrols_with_the_qr_code_and_a_code(client, dara):
    client.force_login(dara, second_factor=False)
    setup = reverse("two_factor:setup")
    response = client.get(setup)
    assert response.status_code == 200
    response = client.post(setup, {"setup_view-current_step": "welcome"})
    assert response.status_code == 200
    secret = response.context["secret_key"]
    assert secret in response.content.decode()
    qr = client.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in qr.content[:400]
    response = client.post(
        setup, {"setup_view-current_step": "generator", "generator-token": code(secret)}
    )
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=dara)
    assert totp_secret_of(device) == secret.rstrip("=")
    assert client.session[DEVICE_ID_SESSION_KEY]
    assert client.get(reverse("home")).status_code == 200
    line = AuditLog.objects.get(action="second_factor_enrolled")
    assert line.user == dara and line.details["staff"] == dara.pk
    assert secret not in str(line.details)


def test_a_wrong_code_at_enrolment_enrols_nothing(client, dara):
    client.force_login(dara, second_factor=False)
    setup = reverse("two_factor:setup")
    client.get(setup)
    response = client.post(setup, {"setup_view-current_step": "welcome"})
    wrong = f"{(int(code(response.context['secret_key'])) + 1) % 1_000_000:06d}"
    response = client.post(
        setup, {"setup_view-current_step": "generator", "generator-token": wrong}
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=dara).exists()


def test_enrolment_ends_her_other_logins(client, dara):
    elsewhere = Client()
    elsewhere.force_login(dara, second_factor=False)
    client.force_login(dara, second_factor=False)
    setup = reverse("two_factor:setup")
    client.get(setup)
    response = client.post(setup, {"setup_view-current_step": "welcome"})
    secret = response.context["secret_key"]
    client.post(setup, {"setup_view-current_step": "generator", "generator-token": code(secret)})
    assert client.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_a_required_role_cannot_turn_it_off(client, dara, sokha):
    totp_enrol(dara, secret=SECRET)
    client.force_login(dara)
    client.post(reverse("two_factor:disable"), {"understand": "on"})
    assert TOTPDevice.objects.filter(user=dara).exists()

    totp_enrol(sokha, secret=SECRET)
    other = Client()
    other.force_login(sokha)
    other.post(reverse("two_factor:disable"), {"understand": "on"})
    assert not TOTPDevice.objects.filter(user=sokha).exists()
    assert "second_factor_off" in actions(sokha)


# --- The administrator's reset --------------------------------------------------------


def test_an_administrator_resets_a_lost_phone(client, dara):
    admin_user = staff_member(username="root", password=PASSWORD, roles=[Role.ADMINISTRATOR])
    admin_user.is_staff = True
    admin_user.save()
    totp_enrol(dara, secret=SECRET)
    StaticDevice.objects.create(user=dara, name="backup")
    hers = Client()
    hers.force_login(dara)
    assert hers.get(reverse("home")).status_code == 200

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [dara.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=dara).exists()
    assert not StaticDevice.objects.filter(user=dara).exists()
    line = AuditLog.objects.get(action="second_factor_reset")
    assert line.user == admin_user
    assert line.details["staff"] == dara.pk and line.details["devices"] == 2
    # Her open login ended; she signs in with her password and enrols again.
    assert hers.get(reverse("home"))["Location"].startswith(reverse("login"))
    fresh = Client()
    assert password_step(fresh, dara).status_code == 302
    assert fresh.get(reverse("home"))["Location"].startswith(reverse("two_factor:setup"))


def test_a_social_worker_cannot_reset_anybody(client, sokha, dara):
    totp_enrol(dara, secret=SECRET)
    client.force_login(sokha)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [dara.pk]},
    )
    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(user=dara).exists()
    assert not AuditLog.objects.filter(action="second_factor_reset").exists()


# --- The demo -----------------------------------------------------------------------


def test_seed_demo_enrols_every_demo_login_with_the_given_secret(settings):
    out = StringIO()
    call_command("seed_demo", "--password", PASSWORD, "--totp-secret", SECRET, stdout=out)
    devices = list(TOTPDevice.objects.select_related("user"))
    assert len(devices) >= 8
    assert {totp_secret_of(d) for d in devices} == {SECRET}
    assert SECRET in out.getvalue()
    # A script signs a demo login in with pyotp.
    client = Client()
    director = next(d.user for d in devices if d.user.username == "director")
    password_step(client, director)
    client.post(reverse("login"), {STEP: "token", "token-otp_token": code()})
    assert client.session[SESSION_KEY] == str(director.pk)

    # Run again without a secret: the one the logins share is kept and printed.
    again = StringIO()
    call_command("seed_demo", "--password", PASSWORD, stdout=again)
    assert SECRET in again.getvalue()
    assert {totp_secret_of(d) for d in TOTPDevice.objects.all()} == {SECRET}


def test_seed_demo_refuses_a_secret_that_is_not_base32():
    with pytest.raises(CommandError, match="base32"):
        call_command("seed_demo", "--password", PASSWORD, "--totp-secret", "not-a-secret!")


def test_the_password_step_leaves_no_session_behind(client, sokha, dara):
    assert client.get(reverse("login")).status_code == 200
    assert password_step(client, sokha, password="not-her-password").status_code == 200
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value
    # Past the password, the code step keeps who passed it.
    totp_enrol(dara, secret=SECRET)
    assert b"token-otp_token" in password_step(client, dara).content
    assert Session.objects.count() == 1
