# procwatch: a small image that runs the bot as a non-root user with its database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app procwatch \
 && mkdir -p /app/state && chown procwatch /app/state

COPY feeds.toml ./
USER procwatch
VOLUME ["/app/state"]
CMD ["procwatch", "run"]
