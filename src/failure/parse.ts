/**
 * Converts failure JSON (the Failure contract, or the legacy snake_case shape) into a Failure.
 * Input is untrusted: every field is type-checked and errors name the offending field.
 */
import type { Failure, FailureResource, Severity } from '../contracts';
import { InvalidFailureError } from '../errors';

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low']);
const MAX = 4096;

function str(o: Record<string, unknown>, field: string, label = field, required = false): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new InvalidFailureError(`failure field "${label}" is required`);
    return undefined;
  }
  if (typeof v !== 'string')
    throw new InvalidFailureError(`failure field "${label}" must be a string, got ${typeof v}`);
  if (v.length > MAX)
    throw new InvalidFailureError(`failure field "${label}" is longer than ${MAX} characters`);
  if (required && !v.trim()) throw new InvalidFailureError(`failure field "${label}" must not be empty`);
  return v;
}

function severity(v: string | undefined, label: string): Severity | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (!SEVERITIES.has(s))
    throw new InvalidFailureError(`failure field "${label}" must be one of critical, high, medium, low`);
  return s as Severity;
}

function strList(v: unknown, label: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new InvalidFailureError(`failure field "${label}" must be a string or a list of strings`);
}

/** Normalises failure JSON into the Failure contract; throws InvalidFailureError naming the bad field. */
export function normalizeFailure(json: unknown): Failure {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new InvalidFailureError('failure must be a JSON object');
  const o = json as Record<string, unknown>;
  if ('test_id' in o || 'resource_arn' in o) {
    const testId = str(o, 'test_id', 'test_id', true) as string;
    const arn = str(o, 'resource_arn');
    const resource: FailureResource = {};
    if (arn) resource.arn = arn;
    // CloudFormation types (AWS::S3::Bucket) are understood by locate's responseType mapping.
    const rt = str(o, 'resource_type');

    if (rt) resource.responseType = rt;
    const name = str(o, 'resource_name') ?? str(o, 'resource_id');
    if (name) resource.displayName = name;
    const account = str(o, 'account_id');
    if (account) resource.accountId = account;
    const region = str(o, 'region');
    if (region) resource.region = region;
    const failure: Failure = {
      key: `file:${testId}:${arn ?? name ?? 'unknown'}`,
      source: 'file',
      testId,
      resource,
    };
    const testName = str(o, 'test_name');
    if (testName) failure.testName = testName;
    const sev = severity(str(o, 'severity'), 'severity');
    if (sev) failure.severity = sev;
    const fw = strList(o.framework, 'framework');
    if (fw) failure.frameworks = fw;
    const desc = [
      str(o, 'failure_reason'),
      o.current_state !== undefined ? `Current state: ${JSON.stringify(o.current_state)}` : '',
      o.required_state !== undefined ? `Required state: ${JSON.stringify(o.required_state)}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    if (desc) failure.description = desc;
    const at = str(o, 'failed_at');
    if (at) failure.detectedAt = at;
    return failure;
  }
  const testId = str(o, 'testId', 'testId', true) as string;
  const r = o.resource;
  if (!r || typeof r !== 'object' || Array.isArray(r))
    throw new InvalidFailureError('failure field "resource" must be an object');
  const ro = r as Record<string, unknown>;
  const resource: FailureResource = {};
  for (const f of [
    'displayName',
    'responseType',
    'arn',
    'terraformAddress',
    'file',
    'accountId',
    'region',
  ] as const) {
    const v = str(ro, f, `resource.${f}`);
    if (v !== undefined) resource[f] = v;
  }
  const source = str(o, 'source') ?? 'file';
  if (source !== 'vanta' && source !== 'file')
    throw new InvalidFailureError('failure field "source" must be "vanta" or "file"');
  const failure: Failure = {
    key:
      str(o, 'key') ??
      `file:${testId}:${resource.arn ?? resource.terraformAddress ?? resource.displayName ?? 'unknown'}`,
    source,
    testId,
    resource,
  };
  for (const f of ['testName', 'testUrl', 'description', 'remediation', 'detectedAt'] as const) {
    const v = str(o, f);
    if (v !== undefined) failure[f] = v;
  }
  const sev = severity(str(o, 'severity'), 'severity');
  if (sev) failure.severity = sev;
  const fw = strList(o.frameworks, 'frameworks');
  if (fw) failure.frameworks = fw;
  return failure;
}
