#!/usr/bin/env bash
# Screenshots of the Temporal Web UI as TerraFix's dashboard (docs/operations.md), taken in headless
# Chromium against a running UI — normally the sandbox: `make demo` in another terminal, then
#   ./scripts/ui-screenshot.sh
# 1. docs/images/web-ui-open-prs.png: the "Pull requests open" dashboard link (src/cli/dashboard.ts)
#    with the recommended TerraFix columns;
# 2. docs/images/web-ui-remediation.png: the first remediation of that list (summary, details,
#    current details).
# Payloads (and so the summary and details) are encrypted: the script runs `terrafix codec-server` with
# the sandbox's public key (or TEMPORAL_PAYLOAD_KEYS when set) on a free port and points the UI at it,
# sending the bearer token from the browser; CODEC_ENDPOINT (+ CODEC_SERVER_TOKEN) uses a codec server
# that is already running instead, CODEC=0 takes the screenshots without one.
# Environment: UI_URL (default $TEMPORAL_UI_URL, else http://localhost:8233), NAMESPACE (default
# $TEMPORAL_NAMESPACE, else default), OUT_DIR (default docs/images), CHROMIUM (default: chromium on PATH).
# Skips (exit 0, with the reason) when Chromium is not installed: `apt-get install -y chromium`.
set -euo pipefail
cd "$(dirname "$0")/.."

UI_URL="${UI_URL:-${TEMPORAL_UI_URL:-http://localhost:8233}}"
UI_URL="${UI_URL%/}"
NAMESPACE="${NAMESPACE:-${TEMPORAL_NAMESPACE:-default}}"
OUT_DIR="${OUT_DIR:-docs/images}"

CHROMIUM="${CHROMIUM:-}"
if [ -z "$CHROMIUM" ]; then
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then
      CHROMIUM="$(command -v "$c")"
      break
    fi
  done
fi
if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
  echo "ui-screenshot: skipped: Chromium not found (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome)"
  exit 0
fi
if ! curl -fsS -o /dev/null --max-time 5 "$UI_URL/"; then
  echo "ui-screenshot: the Temporal Web UI does not answer at $UI_URL: start the sandbox (make demo) or set UI_URL" >&2
  exit 1
fi

# Node 22+ has a global WebSocket; Node 20 needs the flag.
NODE_FLAGS=()
node -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' || NODE_FLAGS=(--experimental-websocket)

LINKS_JSON="$(npx tsx -e "
const d = require('./src/cli/dashboard');
const links = d.dashboardLinks(process.argv[1], process.argv[2]);
console.log(JSON.stringify(links.find((l) => l.title.startsWith('Pull requests open'))));
" "$UI_URL" "$NAMESPACE")"

PROFILE="$(mktemp -d)"
DRIVER="$(mktemp --suffix=.js)"
CHROME_PID=""
CODEC_PID=""
cleanup() {
  for pid in $CHROME_PID $CODEC_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$PROFILE" "$DRIVER"
}
trap cleanup EXIT

CODEC_ENDPOINT="${CODEC_ENDPOINT:-}"
CODEC_TOKEN="${CODEC_SERVER_TOKEN:-}"
if [ "${CODEC:-1}" != 0 ] && [ -z "$CODEC_ENDPOINT" ]; then
  KEYS="${TEMPORAL_PAYLOAD_KEYS:-}"
  if [ -z "$KEYS" ]; then
    KEYS="$(npx tsx -e "console.log(JSON.stringify({ sandbox: require('./src/sandbox/sandbox').SANDBOX_PAYLOAD_KEY }))")"
  fi
  CODEC_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  CODEC_PORT="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  TEMPORAL_PAYLOAD_KEYS="$KEYS" CODEC_SERVER_TOKEN="$CODEC_TOKEN" CODEC_SERVER_ORIGIN="$UI_URL" \
    CODEC_SERVER_PORT="$CODEC_PORT" node --import tsx src/cli/main.ts codec-server >/dev/null &
  CODEC_PID=$!
  CODEC_ENDPOINT="http://127.0.0.1:$CODEC_PORT"
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null -X OPTIONS -H "Origin: $UI_URL" "$CODEC_ENDPOINT/decode" 2>/dev/null && break
    sleep 0.1
  done
fi
[ "${CODEC:-1}" = 0 ] && CODEC_ENDPOINT=""

"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --remote-debugging-port=0 --user-data-dir="$PROFILE" about:blank >/dev/null 2>&1 &
CHROME_PID=$!
for _ in $(seq 1 100); do
  [ -s "$PROFILE/DevToolsActivePort" ] && break
  sleep 0.1
done
if [ ! -s "$PROFILE/DevToolsActivePort" ]; then
  echo "ui-screenshot: Chromium did not open its DevTools port" >&2
  exit 1
fi

# A small Chrome DevTools Protocol driver: no npm package needed.
cat >"$DRIVER" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [profile, uiUrl, namespace, outDir, linkJson, codecEndpoint, codecToken] = process.argv.slice(2);
const link = JSON.parse(linkJson);
const [port, wsPath] = fs.readFileSync(path.join(profile, 'DevToolsActivePort'), 'utf8').trim().split('\n');
const ws = new WebSocket(`ws://127.0.0.1:${port}${wsPath}`);
let nextId = 0;
const pending = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  const p = pending.get(msg.id);
  if (!p) return;
  pending.delete(msg.id);
  if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
  else p.resolve(msg.result);
};
const send = (method, params = {}, sessionId) =>
  new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject, method });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  const evaluate = async (expression) =>
    (await s('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result.value;
  await s('Page.enable');
  await s('Runtime.enable');
  await s('Network.enable');
  const width = 1800;
  await s('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false });
  const go = async (url) => {
    await s('Page.navigate', { url });
    for (let i = 0; i < 100 && (await evaluate('document.readyState')) !== 'complete'; i++) await sleep(100);
  };
  /** Waits until `expression` is truthy in the page (the UI renders after its API calls). */
  const waitFor = async (expression, what) => {
    for (let i = 0; i < 150; i++) {
      if (await evaluate(expression).catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const shoot = async (file, height) => {
    await sleep(1500); // let transitions and late requests settle
    const { data } = await s('Page.captureScreenshot', {
      format: 'png',
      clip: { x: 0, y: 0, width, height, scale: 1 },
    });
    fs.writeFileSync(path.join(outDir, file), Buffer.from(data, 'base64'));
    console.log(`ui-screenshot: wrote ${path.join(outDir, file)}`);
  };

  // The UI keeps its settings in localStorage (persisted stores): the recommended column set
  // (docs/operations.md; what the column picker under the table saves) and the codec endpoint.
  await go(`${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`);
  const columns = ['Status', 'Workflow ID', 'TerraFixOutcome', 'TerraFixStage', 'TerraFixRepo', 'TerraFixRuleId', 'TerraFixTestId', 'End'];
  const settings = {
    'namespace-workflow-table-columns': { [namespace]: columns.map((label) => ({ label })) },
    ...(codecEndpoint ? { endpoint: codecEndpoint, passAccessToken: false, includeCredentials: false } : {}),
  };
  await evaluate(
    `(() => { const s = ${JSON.stringify(settings)}; for (const [k, v] of Object.entries(s)) localStorage.setItem(k, JSON.stringify(v)); return true; })()`,
  );
  // The UI cannot send a static token to a codec server; the browser adds it to every request here.
  if (codecToken) await s('Network.setExtraHTTPHeaders', { headers: { Authorization: `Bearer ${codecToken}` } });

  await go(link.url);
  await waitFor(`document.querySelector('a[href*="/workflows/remediate"]')`, 'the remediation list');
  const headers = await evaluate(`[...document.querySelectorAll('th')].map((e) => e.innerText.trim()).filter(Boolean)`);
  if (!columns.every((c) => headers.includes(c))) throw new Error(`columns not applied: ${headers.join(', ')}`);
  await evaluate(`document.querySelector('[aria-label="Collapse saved views"]')?.click(); true`);
  await shoot('web-ui-open-prs.png', 900);

  // The remediation's User Metadata tab: summary, details and the last current details.
  const detail = await evaluate(`document.querySelector('a[href*="/workflows/remediate"]').href`);
  await go(detail.replace(/\/history$/, '/user-metadata'));
  // Summary, details and current details are Markdown, rendered in iframes.
  await waitFor(
    `/Current Details/.test(document.body.innerText) && document.querySelectorAll('iframe').length >= 2`,
    'the summary and details',
  );
  await sleep(2000);
  await shoot('web-ui-remediation.png', 900);
  ws.close();
  process.exit(0);
})().catch((err) => {
  console.error(`ui-screenshot: ${err.message}`);
  process.exit(1);
});
JS

mkdir -p "$OUT_DIR"
node ${NODE_FLAGS[@]+"${NODE_FLAGS[@]}"} "$DRIVER" "$PROFILE" "$UI_URL" "$NAMESPACE" "$OUT_DIR" "$LINKS_JSON" "$CODEC_ENDPOINT" "$CODEC_TOKEN"
ls -l "$OUT_DIR"/web-ui-open-prs.png "$OUT_DIR"/web-ui-remediation.png
