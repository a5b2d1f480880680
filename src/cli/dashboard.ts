/**
 * The Temporal Web UI as TerraFix's dashboard: one saved-search link per question an operator asks
 * ("which PRs are open?", "what failed?"). Each link is a Temporal visibility list filter on the
 * remediation workflows and its search attributes (see SA in src/workflows/definitions.ts), opened on
 * the UI's workflows page with `?query=` — the same filter works with `temporal workflow list --query`.
 */

/** The workflow type every remediation runs as (see src/workflows/index.ts). */
export const REMEDIATION_WORKFLOW_TYPE = 'remediateFailureWorkflow';
/** Where the Temporal dev server serves its Web UI when TEMPORAL_UI_URL is not set. */
export const DEFAULT_UI_URL = 'http://localhost:8233';
/** Placeholders of the per-repository and per-test templates in `dashboardLinks`. */
export const REPO_PLACEHOLDER = 'OWNER/NAME';
export const TEST_ID_PLACEHOLDER = 'TEST-ID';

export interface DashboardLink {
  title: string;
  query: string;
  url: string;
}

/**
 * A list-filter string literal: single-quoted, with backslashes and single quotes escaped, so a value
 * (a repository or test id from Vanta or the repo mapping) can never end the literal or add conditions.
 * Temporal's SQL visibility (the dev server's SQLite) cannot match a value that starts or ends with a
 * single quote or contains a backslash or double quote with `=`: such a link finds nothing, never more.
 * GitHub repository names and Vanta test ids contain none of these.
 */
export function quoteValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `Attr = 'value'`, or `Attr IN ('a', 'b')` for several values. */
function eq(attribute: string, ...values: string[]): string {
  return values.length === 1
    ? `${attribute} = ${quoteValue(values[0]!)}`
    : `${attribute} IN (${values.map(quoteValue).join(', ')})`;
}

/** The remediation workflows, narrowed by `condition` (one comparison, or parenthesised) when given. */
export function remediationQuery(condition?: string): string {
  const base = eq('WorkflowType', REMEDIATION_WORKFLOW_TYPE);
  return condition ? `${base} AND ${condition}` : base;
}

/** The UI's workflows page with the list filter applied (a trailing slash on uiUrl is ignored). */
export function workflowsUrl(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

function link(uiUrl: string, namespace: string, title: string, query: string): DashboardLink {
  return { title, query, url: workflowsUrl(uiUrl, namespace, query) };
}

/** Every remediation of one repository ("owner/name", as in TerraFixRepo). */
export function repoLink(uiUrl: string, namespace: string, repo: string): DashboardLink {
  return link(uiUrl, namespace, `Repository ${repo}`, remediationQuery(eq('TerraFixRepo', repo)));
}

/** Every remediation of one Vanta test (TerraFixTestId). */
export function testLink(uiUrl: string, namespace: string, testId: string): DashboardLink {
  return link(uiUrl, namespace, `Test ${testId}`, remediationQuery(eq('TerraFixTestId', testId)));
}

/**
 * One link per common question. The last two are templates: replace OWNER/NAME or TEST-ID in the
 * query (or use `repoLink` / `testLink`, or `terrafix dashboard --repo / --test`).
 */
export function dashboardLinks(uiUrl: string, namespace: string): DashboardLink[] {
  const l = (title: string, condition?: string) => link(uiUrl, namespace, title, remediationQuery(condition));
  return [
    l('All remediations'),
    l('In progress', `ExecutionStatus = 'Running'`),
    // pr_open: a followed PR, still open; pr_opened: opened without follow-up (its state is on the code host).
    l('Pull requests open', eq('TerraFixOutcome', 'pr_open', 'pr_opened')),
    l('Merged, awaiting the Vanta re-check', eq('TerraFixOutcome', 'awaiting_vanta')),
    l('Failed (retries exhausted or configuration error)', eq('TerraFixOutcome', 'failed')),
    l('Workflow failed, timed out or terminated', `ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated')`),
    l('Resource not found in Terraform', eq('TerraFixOutcome', 'not_found')),
    l('No fix / fix rejected by validation', eq('TerraFixOutcome', 'no_fix', 'fix_rejected')),
    l('PR closed unmerged or stale', eq('TerraFixOutcome', 'rejected', 'rejected_by_reviewer', 'stale')),
    l('Resolved (Vanta passes again)', eq('TerraFixOutcome', 'resolved', 'resolved_elsewhere')),
    l('Already compliant in Terraform (not applied yet?)', eq('TerraFixOutcome', 'already_compliant')),
    l('Skipped (handled by an earlier run)', eq('TerraFixOutcome', 'skipped')),
    { ...repoLink(uiUrl, namespace, REPO_PLACEHOLDER), title: `By repository (replace ${REPO_PLACEHOLDER})` },
    {
      ...testLink(uiUrl, namespace, TEST_ID_PLACEHOLDER),
      title: `By test id (replace ${TEST_ID_PLACEHOLDER})`,
    },
  ];
}
