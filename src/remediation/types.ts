/**
 * The rule framework: what a deterministic remediation rule declares and the context it runs in.
 */
import type { Failure, Patch, Target } from '../contracts';
import type { BlockInstance, HclBlock, RepoIndex } from '../terraform';

/** Everything a rule's check and fix may look at. */
export interface RuleContext {
  index: RepoIndex;
  target: Target;
  /** The target block; undefined for account-level targets whose resource does not exist yet. */
  block: HclBlock | undefined;
  /** The instance of a count/for_each block named by the target address. */
  instance: BlockInstance | undefined;
  /** AWS provider major version the repository pins (5 when unknown). */
  providerMajor: number;
  failure?: Failure;
}

export type CheckStatus = 'compliant' | 'non_compliant';

export interface CheckResult {
  status: CheckStatus;
  /** Why (each problem found, or why the resource is compliant). */
  reasons: string[];
}

/** A deterministic remediation for one control. */
export interface Rule {
  id: string;
  title: string;
  /** What the rule's check requires, in one sentence (also given to the LLM as a hint). */
  requirement: string;
  /** Vanta test ids this rule answers (real ids where known). */
  vantaTestIds: string[];
  /** Equivalent Checkov check ids. */
  checkovIds: string[];
  /** Terraform resource types the rule checks and fixes. */
  resourceTypes: string[];
  /** Matcher for failures whose test id is unknown: keywords on test name/description. */
  keywords: RegExp;
  /** Vanta entity responseType values (e.g. "S3 bucket") the rule applies to. */
  responseTypes?: RegExp;
  /** True when the fix can force replacement or interrupt service. */
  breaking: boolean;
  /** What the repository must already have for the fix (checked by the rule; shown in the catalog). */
  prerequisites?: string;
  /** The cost, downtime or replacement merging the fix brings (shown in the catalog). */
  impactNote?: string;
  /** Account-level control: compliant when the repository has the setting anywhere. */
  accountLevel?: boolean;
  check(ctx: RuleContext): CheckResult;
  /** Produces the patch for a non-compliant resource (never called for compliant ones). */
  fix(ctx: RuleContext): Patch;
}
