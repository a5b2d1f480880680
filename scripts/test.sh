#!/usr/bin/env bash
# `make test`: set-up, typecheck, lint, the main suites, the fault suites (one at a time, after the
# rest, so they do not compete for the CPU), and the infra and docker checks. Each phase prints its
# duration; a summary with every phase and the total is printed at the end, also when a phase fails.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=()
SETUP_REPORT="$(mktemp)"
export SETUP_REPORT
failed=""
start_all=$(date +%s)

summary() {
  local end_all
  end_all=$(date +%s)
  echo
  echo "make test: phase durations"
  for p in "${phases[@]}"; do echo "  $p"; done
  if [ -s "$SETUP_REPORT" ]; then
    echo "  first-time installs and builds (inside set-up):"
    while read -r what secs; do printf '    %-20s %5d s\n' "$what" "$secs"; done <"$SETUP_REPORT"
  fi
  [ -n "$failed" ] && echo "  FAILED in: $failed"
  echo "  total: $((end_all - start_all)) s (without set-up: $((end_all - start_all - ${setup_s:-0})) s)"
  rm -f "$SETUP_REPORT"
}
trap summary EXIT

# run_phase <name> <command...>: runs one phase, records its duration, stops at the first failure.
run_phase() {
  local name="$1"
  shift
  echo
  echo "==> $name"
  local t0 t1
  t0=$(date +%s)
  if "$@"; then
    t1=$(date +%s)
    phases+=("$(printf '%-22s %5d s' "$name" $((t1 - t0)))")
    echo "<== $name: $((t1 - t0)) s"
    [ "$name" = "set-up" ] && setup_s=$((t1 - t0))
    return 0
  fi
  t1=$(date +%s)
  phases+=("$(printf '%-22s %5d s  FAILED' "$name" $((t1 - t0)))")
  failed="$name"
  echo "<== $name: FAILED after $((t1 - t0)) s" >&2
  exit 1
}

setup_s=0
run_phase "set-up" ./scripts/setup.sh
run_phase "typecheck" npx tsc -p tsconfig.json --noEmit
run_phase "lint" sh -c 'npx eslint . && npx prettier --check . >/dev/null && echo "eslint and prettier: clean"'
run_phase "main suites" npx jest --ci --testPathIgnorePatterns /test/chaos/
run_phase "fault suites" npx jest --ci --runInBand test/chaos
run_phase "infra check" ./scripts/check-infra.sh
run_phase "docker check" ./scripts/check-docker.sh
