# Image for the riskstream services (worker, alerts) in docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app
RUN pip install -e . \
 && useradd --system --home-dir /app --shell /usr/sbin/nologin riskstream \
 && mkdir -p /data && chown -R riskstream /app /data
USER riskstream

CMD ["riskstream", "--help"]
