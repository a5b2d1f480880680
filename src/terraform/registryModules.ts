/**
 * Well-known registry modules, for locating the resources they create: which Terraform types a module
 * creates and how the deployed name is built from the module call's inputs. A failing resource created
 * by one of these is located at the module call (the fix sets the module's inputs, never a vendored
 * copy). The fix side (which inputs make a rule pass) is src/remediation/modules.ts.
 */

/** How a module builds the name Vanta shows. */
export type ModuleNaming =
  /** The value of one input (the first input present wins). */
  | { kind: 'input'; inputs: string[]; prefixInputs?: string[]; tagName?: boolean }
  /**
   * `name`, or `name` plus AWS's generated suffix when the module's `use_name_prefix` input is true
   * (terraform-aws-modules/security-group: the default is true, and the prefix gets a "-").
   */
  | { kind: 'name_prefix_flag'; input: string; flag: string; flagDefault: boolean; separator: string }
  /** cloudposse null-label: the non-empty of namespace, tenant, environment, stage, name joined by "-". */
  | { kind: 'null_label'; inputs: string[]; delimiterInput: string };

export interface RegistryModuleSpec {
  /** Key of the module in both tables, e.g. "s3-bucket". */
  kind: string;
  /** Registry address without host and version, e.g. "terraform-aws-modules/s3-bucket/aws". */
  source: string;
  /** The Terraform types the module creates that Vanta reports. */
  creates: string[];
  /** The input that names the resource (what a reviewer looks for). */
  nameInput: string;
  naming: ModuleNaming;
}

export const REGISTRY_MODULES: RegistryModuleSpec[] = [
  {
    kind: 's3-bucket',
    source: 'terraform-aws-modules/s3-bucket/aws',
    creates: ['aws_s3_bucket'],
    nameInput: 'bucket',
    naming: { kind: 'input', inputs: ['bucket'], prefixInputs: ['bucket_prefix'] },
  },
  {
    kind: 'rds',
    source: 'terraform-aws-modules/rds/aws',
    creates: ['aws_db_instance'],
    nameInput: 'identifier',
    naming: { kind: 'input', inputs: ['identifier'] },
  },
  {
    kind: 'rds-aurora',
    source: 'terraform-aws-modules/rds-aurora/aws',
    creates: ['aws_rds_cluster'],
    nameInput: 'name',
    naming: { kind: 'input', inputs: ['cluster_identifier', 'name'] },
  },
  {
    kind: 'security-group',
    source: 'terraform-aws-modules/security-group/aws',
    creates: ['aws_security_group'],
    nameInput: 'name',
    naming: {
      kind: 'name_prefix_flag',
      input: 'name',
      flag: 'use_name_prefix',
      flagDefault: true,
      separator: '-',
    },
  },
  {
    kind: 'vpc',
    source: 'terraform-aws-modules/vpc/aws',
    creates: ['aws_vpc'],
    nameInput: 'name',
    naming: { kind: 'input', inputs: ['name'], tagName: true },
  },
  {
    kind: 'ec2-instance',
    source: 'terraform-aws-modules/ec2-instance/aws',
    creates: ['aws_instance'],
    nameInput: 'name',
    naming: { kind: 'input', inputs: ['name'], tagName: true },
  },
  {
    kind: 'alb',
    source: 'terraform-aws-modules/alb/aws',
    creates: ['aws_lb', 'aws_alb'],
    nameInput: 'name',
    naming: { kind: 'input', inputs: ['name'] },
  },
  {
    kind: 'lambda',
    source: 'terraform-aws-modules/lambda/aws',
    creates: ['aws_lambda_function'],
    nameInput: 'function_name',
    naming: { kind: 'input', inputs: ['function_name'] },
  },
  {
    kind: 'cloudtrail',
    source: 'cloudposse/cloudtrail/aws',
    creates: ['aws_cloudtrail'],
    nameInput: 'name',
    naming: {
      kind: 'null_label',
      inputs: ['namespace', 'tenant', 'environment', 'stage', 'name'],
      delimiterInput: 'delimiter',
    },
  },
  {
    kind: 'cloudtrail',
    source: 'trussworks/cloudtrail/aws',
    creates: ['aws_cloudtrail'],
    nameInput: 'trail_name',
    naming: { kind: 'input', inputs: ['trail_name'] },
  },
];

/** The registry address of a module source: host, `//submodule`, `git::` and `?ref=` removed. */
export function registryAddress(source: string): string {
  return source
    .trim()
    .replace(/^git::/, '')
    .replace(/^(registry\.terraform\.io|app\.terraform\.io)\//, '')
    .replace(/\?.*$/, '')
    .split('//')[0]!
    .toLowerCase();
}

/** The spec of a well-known registry module source (undefined for any other source). */
export function registryModule(source: string): RegistryModuleSpec | undefined {
  const addr = registryAddress(source);
  return REGISTRY_MODULES.find((m) => m.source === addr);
}

/** True for a module source that is not a local path (registry, git, http, s3...). */
export function isRemoteSource(source: string): boolean {
  return !/^\.\.?\//.test(source.trim());
}
