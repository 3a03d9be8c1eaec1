"""gunicorn's logger, with calendar feed tokens kept out of its lines.

The image starts gunicorn with `--logger-class smf.gunicorn_logging.RedactingLogger`
(Dockerfile). gunicorn logs the request line and the path of every request
(access log) and the path of a request that failed (error log) before Django
sees them, so Django's LOGGING cannot reach those lines: the same filter is put
on gunicorn's own two loggers here. gunicorn's master imports this before the
application: the filter module needs nothing of Django.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .log_redaction import FeedTokenFilter


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # setup runs again on every configuration reload (HUP): one filter each.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, FeedTokenFilter) for f in log.filters):
                log.addFilter(FeedTokenFilter())
