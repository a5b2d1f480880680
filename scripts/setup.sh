#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: npm packages, the Temporal CLI (built once into a cache
# outside the clone), Checkov (from PyPI into a cached virtual environment, the judge of fixes in
# the tests) and redis-server. Prints what it did; fails with a clear message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE_BIN="${TERRAFIX_CACHE_DIR:-$HOME/.cache/terrafix}/bin"
TEMPORAL_VERSION=1.5.1
CHECKOV_VERSION=3.3.30
CHECKOV_VENV="${TERRAFIX_CACHE_DIR:-$HOME/.cache/terrafix}/checkov-venv"
# First-time work (installs, builds) is timed and, when SETUP_REPORT names a file, listed there
# ("<what> <seconds>" per line) so that `make test` reports it apart from the tests.
report() { [ -n "${SETUP_REPORT:-}" ] && echo "$1 $2" >>"$SETUP_REPORT"; return 0; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  start=$(date +%s)
  npm ci --no-audit --no-fund >/dev/null
  report "npm-ci" $(( $(date +%s) - start ))
fi

find_temporal() {
  if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then echo "$TEMPORAL_CLI"; return 0; fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return 0; fi
  if [ -x "$CACHE_BIN/temporal" ]; then echo "$CACHE_BIN/temporal"; return 0; fi
  return 1
}

if ! t=$(find_temporal); then
  if ! command -v go >/dev/null 2>&1; then
    echo "setup: the Temporal CLI is missing and Go is not installed to build it." >&2
    echo "       Install Go (https://go.dev/dl) or put 'temporal' on PATH, or set TEMPORAL_CLI." >&2
    exit 1
  fi
  echo "setup: building the Temporal CLI v$TEMPORAL_VERSION with go install into $CACHE_BIN (first run only, a few minutes)"
  mkdir -p "$CACHE_BIN"
  start=$(date +%s)
  (cd /tmp && GOBIN="$CACHE_BIN" CGO_ENABLED=0 go install \
    -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION")
  echo "setup: Temporal CLI built in $(( $(date +%s) - start ))s"
  report "temporal-cli-build" $(( $(date +%s) - start ))
  t="$CACHE_BIN/temporal"
fi
echo "setup: temporal CLI: $t"

# Checkov, pinned, in its own virtual environment outside the clone (test/harness/checkov.ts finds it).
if [ ! -x "$CHECKOV_VENV/bin/checkov" ] || ! "$CHECKOV_VENV/bin/pip" show checkov 2>/dev/null | grep -qx "Version: $CHECKOV_VERSION"; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "setup: Checkov needs python3 (3.9+) with the venv module; install it (apt-get install -y python3-venv)." >&2
    exit 1
  fi
  echo "setup: installing Checkov $CHECKOV_VERSION from PyPI into $CHECKOV_VENV (first run only, about a minute)"
  start=$(date +%s)
  if ! python3 -m venv "$CHECKOV_VENV" >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
    $SUDO apt-get install -y python3-venv >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y python3-venv >/dev/null; }
    python3 -m venv "$CHECKOV_VENV"
  fi
  "$CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  report "checkov-install" $(( $(date +%s) - start ))
fi
echo "setup: checkov: $CHECKOV_VENV/bin/checkov ($("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null))"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup: installing redis-server with apt-get"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  start=$(date +%s)
  if ! $SUDO apt-get install -y redis-server >/dev/null 2>&1; then
    $SUDO apt-get update >/dev/null && $SUDO apt-get install -y redis-server >/dev/null
  fi
  report "redis-server-install" $(( $(date +%s) - start ))
fi
echo "setup: redis-server: $(command -v redis-server)"
# The service (if apt started one) is not used: tests and the demo start their own instance on a free port.
