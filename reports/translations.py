"""Compile the project's .po catalogues to .mo in pure Python (polib).

The .mo files are not committed. `make test` runs Django's compilemessages
when GNU gettext is installed; where it is not, `manage.py
compile_translations` does the same with polib, and the report renderer calls
`ensure_compiled()` so a Khmer report never silently comes out in English.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def catalogues() -> list[Path]:
    return sorted(
        p for root in settings.LOCALE_PATHS for p in Path(root).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Write every .mo that is missing or older than its .po; return those written."""
    import polib

    written = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    if written:
        _forget_loaded_catalogues()
    return written


def _forget_loaded_catalogues() -> None:
    # Django caches catalogues per process; a freshly written .mo must be re-read.
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None


def ensure_compiled() -> None:
    try:
        compile_catalogues()
    except OSError as error:  # a read-only deployment ships compiled catalogues
        logger.warning("could not compile translations: %s", error)
