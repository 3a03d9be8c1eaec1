"""The one form runner, with its conflict screen, for every app's form pages."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import add_service_errors
from .versioning import StaleVersion


def back_url(request, default: str) -> str:
    """Where to go after an action: the page it came from (`next`), if on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _display(value) -> str:
    if value in (None, ""):
        return "—"
    if hasattr(value, "all") and hasattr(value, "model"):
        return ", ".join(str(item) for item in value) or "—"
    return value


def submitted_version(form) -> list[tuple[str, object]]:
    """The user's unsaved values, labelled as the form labels them."""
    rows = []
    for name, field in form.fields.items():
        if name in ("version", "next") or isinstance(field.widget, forms.HiddenInput):
            continue
        value = form.cleaned_data.get(name)
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        rows.append((field.label, _display(value)))
    return rows


def saved_version(record, fields: list[str], user) -> list[tuple[str, object]]:
    """The saved record's values of `fields`, labelled by the model."""
    rows = []
    for name in fields:
        try:
            field = record._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            related = getattr(record, name)
            value = related.visible_to(user) if hasattr(related, "visible_to") else related.all()
        elif field.choices:
            value = getattr(record, f"get_{name}_display")()
        else:
            value = getattr(record, name)
        rows.append((field.verbose_name, _display(value)))
    return rows


def form_page(
    request,
    *,
    make_form: Callable,
    save: Callable[[dict], object],
    title: str,
    success: str,
    back: str | Callable[[object], str],
    template: str,
    saved_fields: list[str] | None = None,
    context: dict | None = None,
):
    """GET shows the form; POST validates it and calls `save(cleaned_data)`.

    - A refused form (or a service's ValidationError, shown next to its field)
      answers 400 and changes nothing; what the user typed stays in the form.
    - A StaleVersion (someone saved first) answers 409 with the conflict screen:
      the saved version beside the user's, and the form again on top of the
      saved version, so that saving again is a choice made after seeing both.
    - A success redirects to `back` (or `back(saved)`), with `success` shown.
    """
    posted = request.method == "POST"
    form = make_form(request.POST if posted else None)
    stale = None
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                saved = save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except StaleVersion as error:
                fields = saved_fields or [
                    name for name in form.fields if name not in ("version", "next")
                ]
                stale = {
                    "yours": submitted_version(form),
                    "saved": saved_version(error.current, fields, request.user),
                }
                data = request.POST.copy()
                data["version"] = error.current.version
                form = make_form(data)
                form.is_valid()
                status = 409
            else:
                messages.success(request, success)
                return redirect(back(saved) if callable(back) else back)
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "back": back if isinstance(back, str) else "",
            "stale": stale,
            **(context or {}),
        },
        status=status,
    )
