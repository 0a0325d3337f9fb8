# Chorus in a container. By default it runs `chorus schedule` (every job at its
# time, until stopped); any other command works too:
#
#   docker build -t chorus .
#   docker run -d --name chorus -v "$PWD/program:/data" chorus                 # the scheduler
#   docker run --rm -v "$PWD/program:/data" chorus run brief --dry-run          # one job
#   docker run --rm -v "$PWD/program:/data" chorus status
#
# /data holds chorus.toml (and, for the local backend, the workbook, the form
# exports and the outbox). Secrets come from the environment or a mounted key
# file, never from the image: -e CHORUS_SMTP_PASSWORD=... or
# -v ./service-account.json:/secrets/service-account.json:ro.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CHORUS_CONFIG=/data/chorus.toml

# The organisation's timezone rules come from the system's tz database.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 chorus

WORKDIR /opt/chorus
COPY pyproject.toml README.md ./
COPY automation ./automation
COPY sheets_schema ./sheets_schema
COPY jobs ./jobs
RUN pip install . && chorus --help > /dev/null

USER chorus
WORKDIR /data
VOLUME ["/data"]

# `chorus schedule` finishes the running job on SIGTERM and exits 0; give it time.
STOPSIGNAL SIGTERM
ENTRYPOINT ["chorus", "--log-format", "json"]
CMD ["schedule"]
