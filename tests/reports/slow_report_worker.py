"""A real Celery worker whose first PDF render hangs: started as a subprocess by
tests/reports/test_report_worker_killed.py to be killed mid-report.

`python -m tests.reports.slow_report_worker <celery worker options>`. The first
render in this worker writes the pid of the worker child doing it to the file
named by SLOW_RENDER_PIDFILE, then sleeps for SLOW_RENDER_SECONDS inside the
render (one long step, as a big report's layout is); later renders run as usual.
The patch is made before the worker forks, so its children inherit it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")
django.setup()

from reports import pdf  # noqa: E402
from smf.celery import app  # noqa: E402

_real_html_to_pdf = pdf.html_to_pdf


def _slow_first_html_to_pdf(html: str) -> bytes:
    pidfile = Path(os.environ["SLOW_RENDER_PIDFILE"])
    if not pidfile.exists():
        partial = pidfile.with_suffix(".partial")
        partial.write_text(str(os.getpid()))
        partial.rename(pidfile)  # whole or absent, never half written
        time.sleep(float(os.environ.get("SLOW_RENDER_SECONDS", "600")))
    return _real_html_to_pdf(html)


pdf.html_to_pdf = _slow_first_html_to_pdf

if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])
