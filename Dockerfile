# The app under gunicorn. The database is the postgis/postgis service of docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# CJK font for the PDF response sheets (embedded into each PDF).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY webgis ./webgis
# Editable: the app finds migrations/, static/ and data/ beside its package.
RUN pip install -e .
COPY migrations ./migrations
COPY static ./static
COPY data ./data
COPY gunicorn.conf.py ./
COPY docker/entrypoint.sh /entrypoint.sh
RUN useradd --system --home /app webgis && chown -R webgis /app && chmod +x /entrypoint.sh
USER webgis
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/healthz').status != 200)"
ENTRYPOINT ["/entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:5000", "--workers", "3", "--access-logfile", "-", "webgis:create_app()"]
