# syntax=docker/dockerfile:1
# One image for the four services and their one-shot steps (topics, migrations, operator tools).
#   docker build -t zhangzhou-supervision:local .
#   docker run --rm -e APP_SERVICE=ledger ... zhangzhou-supervision:local   # serves ledger
# docker-compose.yml runs it with an explicit command per service.

# Pinned by tag and digest (the multi-arch index of python:3.11.14-slim-bookworm).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

# --- builder: the locked dependencies in a virtualenv ---------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /build
COPY pyproject.toml requirements.lock ./
# The runtime dependencies of pyproject.toml only (no test or lint tools), at the locked versions.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && /opt/venv/bin/pip install --no-compile -r runtime.txt -c requirements.lock \
 && /opt/venv/bin/pip check

# --- runtime: the virtualenv, the code, an unprivileged user --------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    APP_SERVICE=intake
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# Owned by root and read-only for the service user: the code cannot be changed at run time.
COPY shared/ shared/
COPY services/ services/
COPY data/ data/
COPY deploy/ deploy/
# Byte-compiled once here, since the running container may not write next to the code.
RUN python -m compileall -q /opt/venv shared services deploy
USER app:app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "deploy.compose.healthcheck", "/healthz"]
CMD ["sh", "-c", "exec python -m \"services.${APP_SERVICE}\" serve"]
