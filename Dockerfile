# One image for web, worker, beat and the migrate step (see docker-compose.yml).
# Bootstrap comes from PyPI (django-bootstrap-static) with the other
# dependencies: nothing is fetched from a CDN at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree wins over the copy `pip install .` puts in site-packages,
    # so BASE_DIR (templates, static, locale) is /app.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=smf.settings

# Khmer fonts and Pango for WeasyPrint's PDFs; gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-khmeros fonts-noto-core gettext \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when
# pyproject.toml changes. Empty package folders let `pip install .` run.
COPY pyproject.toml ./
RUN for p in smf cases shelters reintegration outreach reports; do \
      mkdir -p "$p" && touch "$p/__init__.py"; done \
 && pip install . \
 && pip uninstall -y smf-case-management \
 && rm -rf smf cases shelters reintegration outreach reports build *.egg-info

COPY . .

# Static files and translations are built into the image. The settings refuse
# to load with DEBUG off and no keys, so these build-time commands get
# throw-away values that exist only for this RUN line, never in the image.
RUN SECRET_KEY=build-only-not-a-secret \
    FIELD_ENCRYPTION_KEYS=build-only-not-a-key \
    BLIND_INDEX_KEY=build-only-not-a-key \
    AUDIT_CHAIN_KEY=build-only-not-a-key \
    DEBUG=0 \
    sh -c 'python manage.py collectstatic --no-input -v0 \
        && if [ -d locale ]; then python manage.py compilemessages -v0; fi'

# A non-root user owns only what it must write: uploads, reports, beat state.
RUN useradd --create-home --uid 10001 --user-group app \
 && mkdir -p /app/media /var/lib/smf \
 && chown app:app /app/media /var/lib/smf
USER app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "/app/docker/healthcheck.py"]

# The access log shows the path without the query string: a search may carry a name.
# The logger class replaces a calendar feed's secret token in every line by
# "[token]" (smf/gunicorn_logging.py).
CMD ["gunicorn", "smf.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60", \
     "--max-requests", "1000", "--max-requests-jitter", "100", \
     "--logger-class", "smf.gunicorn_logging.RedactingLogger", \
     "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(L)s"]
