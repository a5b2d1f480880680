/**
 * Public types of the Terraform engine (index, resolve, locate, edit, validate).
 *
 * Offsets: every `startByte`/`endByte` in this module is a UTF-16 code-unit offset into the file
 * text as a JavaScript string (the file decoded as UTF-8), exactly what `text.slice(start, end)`
 * expects. tree-sitter reports these indices when it parses JS strings. They equal byte offsets
 * only for ASCII files. Lines are 1-based and inclusive.
 */
import type { MatchKind, Target } from '../contracts';
import type { FormatOptions } from './format';

/** A position range inside one file (UTF-16 offsets, 1-based inclusive lines). */
export interface SourceRange {
  startByte: number;
  endByte: number;
  startLine: number;
  endLine: number;
}

/** A plain Terraform value after resolution. */
export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

/** The outcome of resolving an expression: a known value, or unknown with the reason. */
export type Resolved = { known: true; value: HclValue } | { known: false; reason: string };

/** A compact expression tree, independent of tree-sitter, kept so values can be re-resolved. */
export type Expr =
  | { t: 'lit'; v: HclValue }
  | { t: 'tpl'; parts: (string | Expr)[] }
  | { t: 'ref'; root: string; path: (string | number | Expr)[] }
  | { t: 'tuple'; items: Expr[] }
  | { t: 'object'; items: { key: Expr; val: Expr }[] }
  | { t: 'call'; name: string; args: Expr[]; expand?: boolean }
  | { t: 'cond'; cond: Expr; then: Expr; else: Expr }
  | { t: 'op'; op: string; args: Expr[] }
  | { t: 'other'; text: string };

/** One `name = expression` attribute of a block. */
export interface HclAttribute {
  name: string;
  /** The expression's source text. */
  exprText: string;
  expr: Expr;
  /** Range of the whole `name = expr` attribute. */
  range: SourceRange;
  /** Value resolved in the block's default context (first module instance, no count/each). */
  value: Resolved;
}

/** A nested block (e.g. `versioning {}` or `ingress {}`), same shape recursively. */
export interface HclNestedBlock {
  type: string;
  labels: string[];
  range: SourceRange;
  attributes: Record<string, HclAttribute>;
  blocks: HclNestedBlock[];
}

/** The kinds of top-level blocks Terraform knows; anything else is kept as its identifier. */
export type BlockKind =
  | 'resource'
  | 'data'
  | 'module'
  | 'variable'
  | 'locals'
  | 'output'
  | 'provider'
  | 'terraform'
  | 'moved'
  | 'import'
  | 'removed'
  | 'check'
  | (string & {});

/** One instance of a resource/data/module block (count/for_each/module expansion). */
export interface BlockInstance {
  /** Full address, e.g. module.storage.aws_s3_bucket.this["logs"]. */
  address: string;
  /** Module call path from the root module, e.g. ["storage"]. */
  modulePath: string[];
  /** count index or for_each key; null for a single instance. */
  key: string | number | null;
  /** each.value for for_each instances (when known). */
  eachValue?: HclValue;
}

/** A top-level block of a Terraform file. */
export interface HclBlock {
  kind: BlockKind;
  labels: string[];
  /** File path relative to the repository root, with forward slashes. */
  file: string;
  /** Directory of the file relative to the repository root ("" for the root). */
  moduleDir: string;
  /** Address inside its module: aws_s3_bucket.b, data.aws_region.current, module.x, var.y, local (locals). */
  localAddress: string;
  /** Full address without instance key in the first module instance, e.g. module.x.aws_s3_bucket.y. */
  address: string;
  /** Instances (with keys) for resource, data and module blocks; empty for other kinds. */
  instances: BlockInstance[];
  /** When count/for_each could not be expanded, why. */
  instancesUnknown?: string;
  range: SourceRange;
  attributes: Record<string, HclAttribute>;
  blocks: HclNestedBlock[];
}

/** A parse problem in one file. */
export interface FileError {
  file: string;
  line: number;
  message: string;
}

/** One indexed file. */
export interface IndexedFile {
  text: string;
  errors: FileError[];
  /** "\r\n" when the file's first line ending is CRLF, else "\n". */
  eol: '\n' | '\r\n';
  /** True for .tf.json (read-only: indexed from JSON, no positions, never edited). */
  json?: boolean;
}

/** A module call resolved to a local directory. */
export interface ModuleCall {
  /** Module path of the call, e.g. ["net", "storage"]. */
  modulePath: string[];
  /** Directory of the calling module. */
  callerDir: string;
  /** Local directory of the called module, relative to root; null for registry/git sources. */
  dir: string | null;
  source: string;
  /** Resolved input values keyed by variable name. */
  inputs: Record<string, Resolved>;
  /** Key of this instance when the module block uses count/for_each. */
  key: string | number | null;
}

/** The AWS provider facts of the repository. */
export interface ProviderInfo {
  /** Version constraint from required_providers (first found), e.g. "~> 5.0". */
  awsConstraint: string | null;
  /** Version locked in .terraform.lock.hcl, e.g. "5.31.0". */
  awsLockedVersion: string | null;
  /** Major version from the lock file, else from the constraint. */
  awsMajor: number | null;
  /** Source addresses of every provider in required_providers or the lock file. */
  providers: string[];
}

/** The index of one repository. */
export interface RepoIndex {
  /** Absolute path of the repository root. */
  root: string;
  files: Record<string, IndexedFile>;
  blocks: HclBlock[];
  modules: ModuleCall[];
  /** Directories that are not called as local modules (each is a root module). */
  rootModuleDirs: string[];
  provider: ProviderInfo;
  /** Known account id / region used for data.aws_caller_identity / data.aws_region. */
  context: ResolutionContext;
  /** Paths the walk did not follow (symbolic links), with the reason; absent when none. */
  skipped?: SkippedPath[];
}

/** A path indexing left out on purpose (e.g. a symbolic link), relative to the root. */
export interface SkippedPath {
  path: string;
  reason: string;
}

/** Facts about the deployed environment that make some data sources resolvable. */
export interface ResolutionContext {
  accountId?: string;
  region?: string;
}

export interface IndexOptions {
  /** Account id / region for data.aws_caller_identity and data.aws_region. */
  context?: ResolutionContext;
  /** Extra .tfvars files (relative to root) to apply to root modules after the automatic ones. */
  varFiles?: string[];
  /** Maximum number of files to read (default 20000). */
  maxFiles?: number;
  /** Files larger than this are skipped with an error (default 2 MiB). */
  maxFileBytes?: number;
}

/** A ranked candidate of a locate run. */
export interface Candidate {
  target: Target;
  score: number;
  reasons: string[];
}

export interface LocateResult {
  status: 'found' | 'ambiguous' | 'not_found';
  target: Target | null;
  candidates: Candidate[];
  reasons: string[];
  /** Parse errors of the repository (the answer may be incomplete when files failed to parse). */
  errors: FileError[];
  /** The variable binding the name matched under (a var file such as "environments/prod.tfvars"). */
  binding?: string;
}

/** What locate knows beyond the failure: the account ids the failure's repository can hold. */
export interface LocateOptions {
  /** Account ids of the repository (GITHUB_REPO_MAPPING.accounts, AWS_ACCOUNT_IDS): one resolves exactly. */
  accountIds?: string[];
}

export type { MatchKind, Target };

/** A changed file produced by applyPatch. */
export interface FileChange {
  path: string;
  before: string;
  after: string;
}

export interface ApplyResult {
  files: FileChange[];
}

export interface ApplyOptions extends FormatOptions {
  /** Format edited blocks (default true). */
  format?: boolean;
}

export interface ValidateOptions {
  /** Run `terraform validate` when possible (default true). */
  terraformValidate?: boolean;
  terraformPath?: string;
  /**
   * The operator's provider mirror (filesystem_mirror layout), default TERRAFORM_PROVIDER_MIRROR;
   * without one, validate is skipped with a reason. Providers never come from the repository.
   */
  providerMirror?: string;
  /** Time limit for each terraform command in ms (default 60000). */
  timeoutMs?: number;
}

export interface ValidationReport {
  issues: import('../contracts').ValidationIssue[];
  ran: string[];
  skipped: string[];
}
