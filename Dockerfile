# The app under gunicorn, behind the Caddy proxy of docker-compose.yml; the database is
# its postgis/postgis service. Dependencies come pinned, with hashes, from
# requirements.lock (scripts/lock.sh regenerates it); the app itself is a normal
# (non-editable) install, and WEBGIS_ROOT says where migrations/, static/ and data/ are.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 WEBGIS_ROOT=/app
WORKDIR /app
# CJK font for the PDF response sheets (embedded into each PDF).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes -r /tmp/requirements.lock
# The package from a copy that is removed afterwards, so nothing shadows the installed one.
COPY pyproject.toml README.md /tmp/src/
COPY webgis /tmp/src/webgis
RUN pip install --no-deps /tmp/src && rm -rf /tmp/src
# the .mo catalogues (not in git) are compiled here: at run time site-packages is read-only
RUN python -c "from webgis.i18n import compile_catalogues; compile_catalogues()"
COPY migrations ./migrations
COPY static ./static
COPY data ./data
COPY gunicorn.conf.py ./
COPY docker/entrypoint.sh /entrypoint.sh
RUN useradd --system --home /app webgis && mkdir -p /app/var \
    && chown -R webgis /app && chmod +x /entrypoint.sh
USER webgis
# The sheets' CJK font is converted once here, not in the first request (issue 12).
RUN SECRET_KEY="$(python -c "import secrets; print(secrets.token_hex(32))")" \
    webgis warm-sheets --fonts-only
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/healthz').status != 200)"
ENTRYPOINT ["/entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:5000", "--workers", "3", "--access-logfile", "-", "webgis:create_app()"]
