"""Two-factor sign-in: a password, then a code from an authenticator app (TOTP),
or one of ten one-time recovery codes.

django-two-factor-auth (on django-otp) gives the sign-in wizard, the enrolment
wizard with its QR code (an SVG drawn here, by the `qrcode` package) and the
recovery codes; this module fits them to the product:

- who must have a second factor (`second_factor_required`): directors,
  administrators (and superusers) and center managers, and every role when
  MFA_REQUIRED_FOR_ALL is set. The Django admin asks it of everybody;
- `SecondFactorMiddleware` sends whoever must and has not enrolled to the
  enrolment page, and whoever has enrolled but whose login was not verified
  (a login older than her enrolment) back to the sign-in;
- the audit of enrolments, recovery codes, failed codes and resets;
- `second_factor_reset`, an administrator's way out for a lost phone.

A login is verified when the session holds django-otp's device id, which only
django-otp writes, after a code was checked. The middleware reads it from the
session and does not load the device on every request: a reset, which deletes
the devices, ends every session of that user instead.
"""

from __future__ import annotations

import base64
import binascii
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor import views as two_factor_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import get_otpauth_url, totp_digits

from .audit import audit_record, current_actor
from .roles import Role, has_role
from .sessions import sessions_end_all
from .signin import client_address

REQUIRED_ROLES = (Role.DIRECTOR, Role.ADMINISTRATOR, Role.CENTER_MANAGER)

# What the authenticator app shows above the code.
ISSUER = settings.OTP_TOTP_ISSUER


def second_factor_required(user) -> bool:
    if not user.is_authenticated:
        return False
    return settings.MFA_REQUIRED_FOR_ALL or has_role(user, *REQUIRED_ROLES)


def is_verified(request) -> bool:
    """Whether this login was confirmed with a second factor."""
    return DEVICE_ID_SESSION_KEY in request.session


# --- Sign-in ------------------------------------------------------------------------

# django-otp's messages, in words of our own (and so in our Khmer catalogue).
OTP_ERRORS = {
    "token_required": gettext_lazy("Enter the code."),
    "invalid_token": gettext_lazy("That code is not right. Check it and try again."),
    "verification_not_allowed": gettext_lazy(
        "Too many wrong codes: wait a minute, then try again."
    ),
}


class CodeForm(AuthenticationTokenForm):
    otp_error_messages = {
        **AuthenticationTokenForm.otp_error_messages,
        **OTP_ERRORS,
        "n_failed_attempts": OTP_ERRORS["verification_not_allowed"],
    }


class RecoveryCodeForm(BackupTokenForm):
    otp_error_messages = CodeForm.otp_error_messages


class LoginView(two_factor_views.LoginView):
    """The sign-in: password first (checked by django-axes' lockout before it is
    hashed), then, for whoever has enrolled, a code or a recovery code.

    The password step's fields keep the plain names `username` and
    `password`, as password managers know them, and a POST without the
    wizard's step field is a first step: a plain sign-in form works."""

    template_name = "registration/login.html"
    form_list = (
        (two_factor_views.LoginView.AUTH_STEP, AuthenticationForm),
        (two_factor_views.LoginView.TOKEN_STEP, CodeForm),
        (two_factor_views.LoginView.BACKUP_STEP, RecoveryCodeForm),
    )

    def get_form_prefix(self, step=None, form=None):
        if (step or self.steps.current) == self.AUTH_STEP:
            return ""
        return super().get_form_prefix(step, form)

    def get_form(self, step=None, **kwargs):
        # two_factor swaps the code step's form for its device method's own
        # (django-otp's English "Invalid token..."): keep our messages, which
        # are in Khmer too.
        form = super().get_form(step=step, **kwargs)
        if hasattr(form, "otp_error_messages"):
            form.otp_error_messages = CodeForm.otp_error_messages
        return form

    def post(self, *args, **kwargs):
        step_field = f"{self.prefix}-current_step"
        if step_field not in self.request.POST and "username" in self.request.POST:
            data = self.request.POST.copy()
            data[step_field] = self.AUTH_STEP
            self.request.POST = data
        return super().post(*args, **kwargs)

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        device = getattr(self.get_user(), "otp_device", None)
        if isinstance(device, StaticDevice):
            audit_record(
                user=self.get_user(),
                action="recovery_code_used",
                details={"left": device.token_set.count(), "address": client_address(self.request)},
            )
        return response

    def render(self, form=None, **kwargs):
        step = self.steps.current
        if form is not None and form.is_bound and form.errors and step != self.AUTH_STEP:
            user = self.get_user()
            if user:
                audit_record(
                    user=user,
                    action="second_factor_failed",
                    details={
                        "kind": "recovery_code" if step == self.BACKUP_STEP else "code",
                        "address": client_address(self.request),
                    },
                )
        response = super().render(form, **kwargs)
        if self.steps.current == self.AUTH_STEP:
            # At the password step nobody is half signed in: the wizard keeps
            # nothing in the session, so the login page, and each failed
            # password, leaves no session row behind (and a flood of them
            # carries no session for the lockout to load).
            response.render()
            self.request.session.pop(self.storage.prefix, None)
        return response


# --- Enrolment ----------------------------------------------------------------------


class SetupView(two_factor_views.SetupView):
    """Enrolment: scan the QR code (or type the key), confirm with a code."""

    template_name = "two_factor/core/setup.html"

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        if self.steps.current == "generator":
            context["otpauth_url"] = get_otpauth_url(
                self.request.user.get_username(), context["secret_key"], ISSUER
            )
            context["issuer"] = ISSUER
        context["required"] = second_factor_required(self.request.user)
        return context

    def get_success_url(self):
        # The page that offers recovery codes first, then where she was going.
        url = reverse("two_factor:setup_complete")
        going = self.get_redirect_url()
        return f"{url}?{urlencode({'next': going})}" if going else url

    def done(self, form_list, **kwargs):
        # Logins of hers that began before this one were not verified with this
        # device: they end (the enrolment itself is audited by device_saved).
        response = super().done(form_list, **kwargs)
        sessions_end_all(
            self.request.user, keep_key=self.request.session.session_key, reason="enrolled"
        )
        return response


class SetupCompleteView(two_factor_views.SetupCompleteView):
    template_name = "two_factor/core/setup_complete.html"

    def get(self, request, *args, **kwargs):
        # (not django-two-factor-auth's jump to a `next` kept in the session)
        return TemplateView.get(self, request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        going = self.request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            going, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return {**super().get_context_data(**kwargs), "next": going if safe else ""}


class QRCodeView(two_factor_views.QRGeneratorView):
    """The enrolment's QR code, an SVG drawn here from the key in the session."""

    def get_issuer(self):
        return ISSUER


class RecoveryCodesView(two_factor_views.BackupTokensView):
    """Her recovery codes: shown, and made anew by a POST (a GET writes nothing)."""

    template_name = "two_factor/core/backup_tokens.html"

    def get_context_data(self, **kwargs):
        device = StaticDevice.objects.filter(user=self.request.user).first()
        tokens = list(device.token_set.all()) if device is not None else []
        return {**super(FormView, self).get_context_data(**kwargs), "tokens": tokens}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            user=self.request.user,
            action="recovery_codes_made",
            details={"count": self.number_of_tokens, "address": client_address(self.request)},
        )
        return response


class ProfileView(two_factor_views.ProfileView):
    template_name = "two_factor/profile/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = second_factor_required(self.request.user)
        return context


@method_decorator(login_required, name="dispatch")
class DisableView(two_factor_views.DisableView):
    """Turning the second factor off, for whom it is not required."""

    template_name = "two_factor/profile/disable.html"

    def dispatch(self, request, *args, **kwargs):
        if second_factor_required(request.user):
            messages.error(
                request, _("Your role needs two-factor sign-in: it cannot be turned off.")
            )
            return redirect("two_factor:profile")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            user=self.request.user,
            action="second_factor_off",
            details={"address": client_address(self.request)},
        )
        return response


# --- Devices: audit, reset, demo ----------------------------------------------------


def device_saved(sender, instance, created, **kwargs) -> None:
    """An authenticator app confirmed (enrolment). Connected in StaffConfig.ready."""
    if isinstance(instance, TOTPDevice) and instance.confirmed and created:
        actor = current_actor.get()
        audit_record(
            user=actor if actor is not None else instance.user,
            action="second_factor_enrolled",
            details={"staff": instance.user_id, "device": instance.pk},
        )


def second_factor_reset(*, user, by, request=None) -> int:
    """Delete every second-factor device of `user` (a lost phone) and end her
    sessions: she enrols again at her next sign-in. Audited; returns how many
    devices went."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.filter(user=user)) + list(
            StaticDevice.objects.filter(user=user)
        )
        for device in devices:
            device.delete()
        audit_record(
            user=by,
            action="second_factor_reset",
            details={
                "staff": user.pk,
                "devices": len(devices),
                "address": client_address(request),
            },
        )
    sessions_end_all(user, reason="second_factor_reset", by=by)
    return len(devices)


def totp_secret_check(secret: str) -> bytes:
    """The raw key of a base32 TOTP secret (as authenticator apps show it), or
    ValueError."""
    cleaned = secret.replace(" ", "").upper()
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not a base32 secret") from error
    if len(key) < 10:
        raise ValueError("a secret needs at least 16 base32 characters (80 bits)")
    return key


def totp_enrol(user, *, secret: str) -> TOTPDevice:
    """Give `user` one confirmed authenticator with this base32 secret,
    replacing any she had (the demo's logins; tests)."""
    key = totp_secret_check(secret)
    kept = TOTPDevice.objects.filter(user=user, key=key.hex(), confirmed=True).first()
    if kept is not None:
        TOTPDevice.objects.filter(user=user).exclude(pk=kept.pk).delete()
        return kept
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name="default", key=key.hex(), digits=totp_digits(), confirmed=True
    )


def totp_secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


# --- The rule, on every request -----------------------------------------------------


class SecondFactorMiddleware:
    """After AuthenticationMiddleware, in place of django-otp's OTPMiddleware.

    Whoever must have a second factor (or opens the admin) and whose login is
    not verified is sent to enrol, if she has no device, or to sign in again
    with her code, if she has one (a login that began before she enrolled
    elsewhere). The enrolment pages, sign-out and language switch stay open."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        user = request.user
        # What django-otp's OTPMiddleware would give, without loading the
        # device on every request (see the module's docstring).
        user.is_verified = partial(is_verified, request)
        user.otp_device = None
        if user.is_authenticated and not is_verified(request):
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _open(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = tuple(
                reverse(name)
                for name in (
                    "two_factor:setup",
                    "two_factor:qr",
                    "logout",
                    "set_language",
                    "login",
                )
            )
        return self._open_paths

    def _check(self, request, user):
        path = request.path_info
        admin = path.startswith(reverse("admin:index"))
        if not (admin or second_factor_required(user)) or path in self._open():
            return None
        if user_has_device(user, confirmed=True):
            request._smf_logout_reason = "second_factor"
            logout(request)
            messages.info(request, _("Sign in again with a code from your authenticator app."))
            return redirect_to_login(request.get_full_path())
        messages.info(
            request,
            _("Your work needs two-factor sign-in. Set up an authenticator app to go on."),
        )
        setup = reverse("two_factor:setup")
        if request.method == "GET":
            setup += "?" + urlencode({"next": request.get_full_path()})
        return redirect(setup)
