# Image for the riskstream services in docker-compose.yml (worker, serve, alerts, demo producer, webhook sink).
# Layered: the pinned dependencies (requirements.lock) are one cached layer; code and models come after,
# so a code change does not reinstall anything. Base image pinned to a patch release.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RISKSTREAM_LOG_FORMAT=json

WORKDIR /app
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin riskstream \
 && mkdir -p /data && chown riskstream /data

COPY requirements.lock /app/requirements.lock
RUN pip install --no-deps -r requirements.lock setuptools==84.2.1

# Only what the services read: code, schemas, models, configuration, demo data, dev helpers.
COPY pyproject.toml README.md /app/
COPY config /app/config
COPY resources /app/resources
COPY schemas /app/schemas
COPY models /app/models
COPY examples /app/examples
COPY dev/demo_producer.py dev/webhook_sink.py /app/dev/
COPY stream /app/stream
RUN pip install --no-deps --no-build-isolation -e .

USER riskstream
CMD ["riskstream", "--help"]
