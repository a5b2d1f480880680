/** The Failure contract: a normalised, source-agnostic compliance failure (plain JSON). */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** A normalised, source-agnostic compliance failure. */
export interface Failure {
  /** Stable dedupe key, e.g. "vanta:<testId>:<entityId>". */
  key: string;
  source: 'vanta' | 'file';
  testId: string;
  testName?: string;
  testUrl?: string;
  severity?: Severity;
  frameworks?: string[];
  resource: FailureResource;
  description?: string;
  remediation?: string;
  detectedAt?: string;
}

export interface FailureResource {
  displayName?: string;
  responseType?: string;
  arn?: string;
  terraformAddress?: string;
  file?: string;
  accountId?: string;
  region?: string;
}
