"""Error reports (the 500 email to ADMINS) that carry no personal data.

Django's report lists the POST and GET values, the query string, cookies and every
local variable of every frame: on a case form that is a survivor's name in an
email. With DEBUG off these classes keep the traceback (file, line, code) and the
field names, and replace every value by a placeholder. With DEBUG on (a developer
machine with demo data) the full report stays, as Django shows it.
"""

from django.utils.safestring import mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .log_redaction import redact


class NoDataExceptionReporterFilter(SafeExceptionReporterFilter):
    # The request metadata that is safe and useful to read in a report.
    safe_meta = frozenset(
        {"REQUEST_METHOD", "PATH_INFO", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST"}
    )

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if request is None or not self.is_active(request):
            return meta
        return {
            key: value if key in self.safe_meta else self.cleansed_substitute
            for key, value in meta.items()
        }

    def get_safe_cookies(self, request):
        if request is None or not self.is_active(request):
            return super().get_safe_cookies(request)
        return {key: self.cleansed_substitute for key in request.COOKIES}


class NoDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and self.filter.is_active(self.request):
            substitute = self.filter.cleansed_substitute
            data["request_GET_items"] = [(key, substitute) for key in self.request.GET]
            data["request_FILES_items"] = [(key, substitute) for key in self.request.FILES]
            # The path alone: a query string may hold a searched name.
            data["request_insecure_uri"] = self.request.path
        return data

    # The path shows in several places of the report (title, URL, META): a
    # calendar feed's token is replaced in all of them, whatever DEBUG says.
    def get_traceback_text(self):
        return redact(super().get_traceback_text())

    def get_traceback_html(self):
        # Only a run of hex digits is replaced, by plain text: still safe HTML.
        return mark_safe(redact(super().get_traceback_html()))
