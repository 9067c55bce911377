# procwatch: the daemon as a non-root user, its database on a volume, its health from `status --check`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PROCWATCH_CONFIG=/app/config/feeds.toml
WORKDIR /app

LABEL org.opencontainers.image.title="procwatch" \
      org.opencontainers.image.description="Catch sole-source (non-competed) government contracts the day they are posted" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.documentation="README.md"

# Dependencies first, at the exact versions of constraints.txt, in a layer of their own: editing
# the code rebuilds only the small layer below.
COPY constraints.txt ./
RUN pip install -r constraints.txt

COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN pip install --no-deps -c constraints.txt . \
 && pip check \
 && useradd --system --uid 10001 --home-dir /app procwatch \
 && mkdir -p /app/state /app/config \
 && chown procwatch /app/state /app/config

# The example configuration; mount your own folder on /app/config (a folder, not a single file:
# `procwatch watch add` replaces feeds.toml atomically, which needs a writable folder).
COPY --chown=procwatch feeds.toml /app/config/feeds.toml
USER procwatch
VOLUME ["/app/state"]

# No HTTP port: health is the daemon's heartbeat, open source incidents and dead letters.
HEALTHCHECK --interval=1m --timeout=20s --start-period=2m --retries=3 \
  CMD ["procwatch", "status", "--check"]
# Exec form: procwatch is PID 1 and handles SIGTERM itself (finishes the page in hand, exits 0).
STOPSIGNAL SIGTERM
CMD ["procwatch", "run"]
