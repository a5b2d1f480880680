/**
 * `terrafix dashboard [--repo <owner/name>] [--test <id>] [--json]`: prints the Temporal Web UI links
 * that answer the common questions (open PRs, failures, in progress…) for TEMPORAL_UI_URL and
 * TEMPORAL_NAMESPACE. Needs no connection: it only builds URLs.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config';
import { DEFAULT_UI_URL, dashboardLinks, repoLink, testLink, type DashboardLink } from '../dashboard';

export interface DashboardOptions {
  repo?: string;
  test?: string;
  json?: boolean;
}

export interface DashboardJson {
  uiUrl: string;
  /** True when TEMPORAL_UI_URL was not set and the dev server default was used. */
  defaultUiUrl: boolean;
  namespace: string;
  links: DashboardLink[];
}

/** The links for a config: every common question, plus the repository / test asked for. */
export function dashboardJson(
  config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  opts: Pick<DashboardOptions, 'repo' | 'test'> = {},
): DashboardJson {
  const uiUrl = config.TEMPORAL_UI_URL ?? DEFAULT_UI_URL;
  const ns = config.TEMPORAL_NAMESPACE;
  const links = dashboardLinks(uiUrl, ns);
  if (opts.repo) links.push(repoLink(uiUrl, ns, opts.repo));
  if (opts.test) links.push(testLink(uiUrl, ns, opts.test));
  return { uiUrl, defaultUiUrl: config.TEMPORAL_UI_URL === undefined, namespace: ns, links };
}

/** Runs the dashboard command; returns the exit code and output. */
export function runDashboard(
  opts: DashboardOptions,
  config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'> = loadConfig(),
): { exitCode: number; stdout: string; stderr: string } {
  const d = dashboardJson(config, opts);
  const note = d.defaultUiUrl
    ? `TEMPORAL_UI_URL is not set: using ${DEFAULT_UI_URL} (the Temporal dev server's Web UI)\n`
    : '';
  if (opts.json) return { exitCode: 0, stdout: `${JSON.stringify(d)}\n`, stderr: note };
  const lines = d.links.map((l) => `${l.title}\n  ${l.query}\n  ${l.url}`);
  return {
    exitCode: 0,
    stdout:
      `Temporal Web UI ${d.uiUrl}, namespace ${d.namespace}\n\n${lines.join('\n\n')}\n\n` +
      'Same filters on the command line: temporal workflow list --query "<query>"\n',
    stderr: note,
  };
}

/** Registers `dashboard` on the CLI program. */
export function register(program: Command): void {
  program
    .command('dashboard')
    .description('print Temporal Web UI links for open PRs, failures, work in progress and more')
    .option('--repo <owner/name>', 'add a link to the remediations of one repository')
    .option('--test <id>', 'add a link to the remediations of one Vanta test')
    .option('--json', 'print {uiUrl, defaultUiUrl, namespace, links: [{title, query, url}]}')
    .action((o: DashboardOptions) => {
      const r = runDashboard(o);
      process.stderr.write(r.stderr);
      process.stdout.write(r.stdout);
      process.exitCode = r.exitCode;
    });
}
