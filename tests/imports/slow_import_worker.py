"""A real Celery worker whose first import write hangs: started as a subprocess
by tests/imports/test_import_worker_killed.py to be killed mid-import.

`python -m tests.imports.slow_import_worker <celery worker options>`. The first
write in this worker (inside its transaction, after some rows are written)
writes the pid of the worker child to the file named by SLOW_IMPORT_PIDFILE,
then sleeps for SLOW_IMPORT_SECONDS; later imports run as usual. The patch is
made before the worker forks, so its children inherit it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")
django.setup()

from smf.celery import app  # noqa: E402
from smf.imports import write  # noqa: E402

_real_finish = write._Appender.finish


def _slow_first_finish(self, *args, **kwargs):
    """The end of the first appended file's write: its rows are sent."""
    _real_finish(self, *args, **kwargs)
    if self.run.sender is not None:
        self.run.sender.idle()  # loaded, not only queued
    pidfile = Path(os.environ["SLOW_IMPORT_PIDFILE"])
    if not pidfile.exists():
        partial = pidfile.with_suffix(".partial")
        partial.write_text(str(os.getpid()))
        partial.rename(pidfile)  # whole or absent, never half written
        time.sleep(float(os.environ.get("SLOW_IMPORT_SECONDS", "600")))


write._Appender.finish = _slow_first_finish

if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])
