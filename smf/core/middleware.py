"""Requests refused before any view runs."""

from django.core.exceptions import SuspiciousOperation


class NulInQuery(SuspiciousOperation):
    """A NUL character in the address: no page of ours takes one, and PostgreSQL
    refuses it in a query (the view would fail with a 500)."""


class RefuseNulMiddleware:
    """A query string with a NUL character (`%00`) is answered 400 (Django's
    page for a SuspiciousOperation), never passed to a view. Form posts are
    checked by Django's form fields (ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise NulInQuery("NUL character in the query string")
        return self.get_response(request)
