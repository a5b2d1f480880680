/**
 * AWS knowledge used by locate: ARN → (Terraform type, identifier attribute), Vanta resource kinds
 * → Terraform types, and account-level controls.
 */

/** How an ARN maps to Terraform: candidate types and the attribute holding the ARN's identifier. */
export interface ArnMapping {
  types: string[];
  /** Attribute whose value equals the identifier; null when the identifier is generated (sg-…, i-…). */
  attribute: string | null;
  identifier: string;
}

interface ArnRule {
  service: string;
  /** Matches the ARN resource part; group 1 is the identifier. */
  re: RegExp;
  types: string[];
  attribute: string | null;
  transform?: (id: string) => string;
}

const R = (
  service: string,
  re: RegExp,
  types: string[],
  attribute: string | null,
  transform?: (id: string) => string,
): ArnRule => ({
  service,
  re,
  types,
  attribute,
  transform,
});

/** ARN rules, most specific first within a service. */
export const ARN_RULES: ArnRule[] = [
  R('s3', /^([^/]+)(?:\/.*)?$/, ['aws_s3_bucket'], 'bucket'),
  R('iam', /^role\/(?:.*\/)?([^/]+)$/, ['aws_iam_role'], 'name'),
  R('iam', /^user\/(?:.*\/)?([^/]+)$/, ['aws_iam_user'], 'name'),
  R('iam', /^policy\/(?:.*\/)?([^/]+)$/, ['aws_iam_policy'], 'name'),
  R('iam', /^group\/(?:.*\/)?([^/]+)$/, ['aws_iam_group'], 'name'),
  R('iam', /^instance-profile\/(?:.*\/)?([^/]+)$/, ['aws_iam_instance_profile'], 'name'),
  R('iam', /^saml-provider\/([^/]+)$/, ['aws_iam_saml_provider'], 'name'),
  R('ec2', /^security-group\/(sg-[0-9a-f]+)$/, ['aws_security_group'], null),
  R('ec2', /^instance\/(i-[0-9a-f]+)$/, ['aws_instance'], null),
  R('ec2', /^volume\/(vol-[0-9a-f]+)$/, ['aws_ebs_volume'], null),
  R('ec2', /^vpc\/(vpc-[0-9a-f]+)$/, ['aws_vpc'], null),
  R('ec2', /^subnet\/(subnet-[0-9a-f]+)$/, ['aws_subnet'], null),
  R('ec2', /^vpc-flow-log\/(fl-[0-9a-f]+)$/, ['aws_flow_log'], null),
  R('ec2', /^internet-gateway\/(igw-[0-9a-f]+)$/, ['aws_internet_gateway'], null),
  R('ec2', /^natgateway\/(nat-[0-9a-f]+)$/, ['aws_nat_gateway'], null),
  R('ec2', /^network-acl\/(acl-[0-9a-f]+)$/, ['aws_network_acl'], null),
  R('ec2', /^launch-template\/(lt-[0-9a-f]+)$/, ['aws_launch_template'], null),
  R('ec2', /^key-pair\/(.+)$/, ['aws_key_pair'], 'key_name'),
  R('ec2', /^snapshot\/(snap-[0-9a-f]+)$/, ['aws_ebs_snapshot'], null),
  R('rds', /^db:(.+)$/, ['aws_db_instance'], 'identifier'),
  R(
    'rds',
    /^cluster:(.+)$/,
    ['aws_rds_cluster', 'aws_docdb_cluster', 'aws_neptune_cluster'],
    'cluster_identifier',
  ),
  R('rds', /^subgrp:(.+)$/, ['aws_db_subnet_group'], 'name'),
  R('rds', /^pg:(.+)$/, ['aws_db_parameter_group'], 'name'),
  R('rds', /^cluster-pg:(.+)$/, ['aws_rds_cluster_parameter_group'], 'name'),
  R('kms', /^key\/(.+)$/, ['aws_kms_key'], null),
  R('kms', /^(alias\/.+)$/, ['aws_kms_alias'], 'name'),
  R('cloudtrail', /^trail\/(.+)$/, ['aws_cloudtrail'], 'name'),
  R('eks', /^cluster\/(.+)$/, ['aws_eks_cluster'], 'name'),
  R('eks', /^nodegroup\/[^/]+\/([^/]+)(?:\/.*)?$/, ['aws_eks_node_group'], 'node_group_name'),
  R('lambda', /^function:([^:]+)(?::.*)?$/, ['aws_lambda_function'], 'function_name'),
  R('dynamodb', /^table\/([^/]+)(?:\/.*)?$/, ['aws_dynamodb_table'], 'name'),
  R('elasticloadbalancing', /^loadbalancer\/(?:app|net|gwy)\/([^/]+)\/[^/]+$/, ['aws_lb', 'aws_alb'], 'name'),
  R('elasticloadbalancing', /^loadbalancer\/([^/]+)$/, ['aws_elb'], 'name'),
  R(
    'elasticloadbalancing',
    /^listener\/(?:app|net|gwy)\/([^/]+)\/.+$/,
    ['aws_lb_listener', 'aws_alb_listener'],
    null,
  ),
  R(
    'elasticloadbalancing',
    /^targetgroup\/([^/]+)\/.+$/,
    ['aws_lb_target_group', 'aws_alb_target_group'],
    'name',
  ),
  R('sns', /^([^:]+)$/, ['aws_sns_topic'], 'name'),
  R('sqs', /^([^:]+)$/, ['aws_sqs_queue'], 'name'),
  R('logs', /^log-group:([^:]+?)(?::\*)?$/, ['aws_cloudwatch_log_group'], 'name'),
  R('elasticache', /^cluster:(.+)$/, ['aws_elasticache_cluster'], 'cluster_id'),
  R('elasticache', /^replicationgroup:(.+)$/, ['aws_elasticache_replication_group'], 'replication_group_id'),
  // Secrets Manager appends "-" and 6 random characters to the secret name.
  R('secretsmanager', /^secret:(.+)$/, ['aws_secretsmanager_secret'], 'name', (id) =>
    id.replace(/-[A-Za-z0-9]{6}$/, ''),
  ),
  R('ecr', /^repository\/(.+)$/, ['aws_ecr_repository'], 'name'),
  R('elasticfilesystem', /^file-system\/(fs-[0-9a-f]+)$/, ['aws_efs_file_system'], null),
  R('redshift', /^cluster:(.+)$/, ['aws_redshift_cluster'], 'cluster_identifier'),
  R('es', /^domain\/(.+)$/, ['aws_opensearch_domain', 'aws_elasticsearch_domain'], 'domain_name'),
  R('guardduty', /^detector\/(.+)$/, ['aws_guardduty_detector'], null),
  R('apigateway', /^\/restapis\/([^/]+)$/, ['aws_api_gateway_rest_api'], null),
  R('apigateway', /^\/restapis\/[^/]+\/stages\/([^/]+)$/, ['aws_api_gateway_stage'], 'stage_name'),
  R('apigateway', /^\/apis\/([^/]+)$/, ['aws_apigatewayv2_api'], null),
  R('cloudfront', /^distribution\/(.+)$/, ['aws_cloudfront_distribution'], null),
  R('acm', /^certificate\/(.+)$/, ['aws_acm_certificate'], null),
  R('cloudwatch', /^alarm:(.+)$/, ['aws_cloudwatch_metric_alarm'], 'alarm_name'),
  R('config', /^config-rule\/(.+)$/, ['aws_config_config_rule'], null),
  R('ssm', /^parameter(\/.+)$/, ['aws_ssm_parameter'], 'name'),
  R('states', /^stateMachine:(.+)$/, ['aws_sfn_state_machine'], 'name'),
  R('kinesis', /^stream\/(.+)$/, ['aws_kinesis_stream'], 'name'),
  R('firehose', /^deliverystream\/(.+)$/, ['aws_kinesis_firehose_delivery_stream'], 'name'),
  R('ecs', /^cluster\/(.+)$/, ['aws_ecs_cluster'], 'name'),
  R('ecs', /^service\/[^/]+\/(.+)$/, ['aws_ecs_service'], 'name'),
  R('ecs', /^task-definition\/([^:]+)(?::\d+)?$/, ['aws_ecs_task_definition'], 'family'),
  R('autoscaling', /^autoScalingGroup:[^:]+:autoScalingGroupName\/(.+)$/, ['aws_autoscaling_group'], 'name'),
  R('wafv2', /^(?:regional|global)\/webacl\/([^/]+)\/.+$/, ['aws_wafv2_web_acl'], 'name'),
  R('route53', /^hostedzone\/(.+)$/, ['aws_route53_zone'], null),
  R('backup', /^backup-vault:(.+)$/, ['aws_backup_vault'], 'name'),
  R('athena', /^workgroup\/(.+)$/, ['aws_athena_workgroup'], 'name'),
  R('codebuild', /^project\/(.+)$/, ['aws_codebuild_project'], 'name'),
  R('sagemaker', /^notebook-instance\/(.+)$/, ['aws_sagemaker_notebook_instance'], 'name'),
  R('glue', /^database\/(.+)$/, ['aws_glue_catalog_database'], 'name'),
  R('memorydb', /^cluster\/(.+)$/, ['aws_memorydb_cluster'], 'name'),
  R('mq', /^broker:([^:]+):.+$/, ['aws_mq_broker'], 'broker_name'),
];

/** Parsed ARN parts. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Parses an ARN; null when the text is not one. */
export function parseArn(arn: string): Arn | null {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/.exec(arn.trim());
  if (!m) return null;
  return { partition: m[1], service: m[2], region: m[3], account: m[4] ?? '', resource: m[5] };
}

/** Maps an ARN to Terraform types and the identifier to match; null for unknown services. */
export function arnToTerraform(arn: string): ArnMapping | null {
  const a = parseArn(arn);
  if (!a) return null;
  for (const r of ARN_RULES) {
    if (r.service !== a.service) continue;
    const m = r.re.exec(a.resource);
    if (!m) continue;
    const id = r.transform ? r.transform(m[1]) : m[1];
    return { types: r.types, attribute: r.attribute, identifier: id };
  }
  return null;
}

/** Attributes that commonly name a resource, by type (others fall back to GENERIC_NAME_ATTRIBUTES). */
export const NAME_ATTRIBUTES: Record<string, string[]> = Object.fromEntries(
  ARN_RULES.filter((r) => r.attribute).flatMap((r) => r.types.map((t) => [t, [r.attribute as string]])),
);
export const GENERIC_NAME_ATTRIBUTES = [
  'name',
  'bucket',
  'identifier',
  'cluster_identifier',
  'function_name',
  'domain_name',
  'cluster_id',
  'replication_group_id',
  'alarm_name',
  'key_name',
  'node_group_name',
  'family',
];

/**
 * Name attributes of a type, most specific first: the RESOURCE_KINDS row, then the ARN identifier
 * attribute, then the generic ones (for types the table does not list).
 */
export function nameAttributesFor(type: string): string[] {
  const own = [...(KIND_NAMES.get(type) ?? []), ...(NAME_ATTRIBUTES[type] ?? [])];
  const generic = KIND_NAMES.has(type) ? [] : GENERIC_NAME_ATTRIBUTES;
  return [...new Set([...own, ...generic])];
}

/**
 * The one table of what Vanta reports and where it lives in Terraform: the responseType spellings
 * Vanta uses, the Terraform types, and the attributes whose value is the name Vanta shows (most
 * specific first; `tags.Name` is the Name tag; a `*_prefix` attribute gets AWS's generated suffix).
 * docs/terraform.md shows this table; test/terraform/kinds.test.ts keeps the two in step.
 */
export interface ResourceKind {
  responseTypes: string[];
  types: string[];
  nameAttributes: string[];
}

export const RESOURCE_KINDS: ResourceKind[] = [
  {
    responseTypes: ['S3 bucket', 's3'],
    types: ['aws_s3_bucket'],
    nameAttributes: ['bucket', 'bucket_prefix'],
  },
  { responseTypes: ['EC2 instance', 'instance'], types: ['aws_instance'], nameAttributes: ['tags.Name'] },
  {
    responseTypes: ['RDS instance', 'RDS DB instance', 'DB instance', 'RDS database'],
    types: ['aws_db_instance'],
    nameAttributes: ['identifier', 'identifier_prefix'],
  },
  {
    responseTypes: ['RDS cluster', 'Aurora cluster', 'DB cluster'],
    types: ['aws_rds_cluster'],
    nameAttributes: ['cluster_identifier', 'cluster_identifier_prefix'],
  },
  { responseTypes: ['DynamoDB table', 'dynamodb'], types: ['aws_dynamodb_table'], nameAttributes: ['name'] },
  {
    responseTypes: ['Security group', 'EC2 security group', 'VPC security group'],
    types: ['aws_security_group'],
    nameAttributes: ['name', 'name_prefix', 'tags.Name'],
  },
  { responseTypes: ['IAM role', 'role'], types: ['aws_iam_role'], nameAttributes: ['name', 'name_prefix'] },
  { responseTypes: ['IAM user', 'user'], types: ['aws_iam_user'], nameAttributes: ['name'] },
  {
    responseTypes: ['IAM policy', 'policy'],
    types: ['aws_iam_policy'],
    nameAttributes: ['name', 'name_prefix'],
  },
  { responseTypes: ['IAM group'], types: ['aws_iam_group'], nameAttributes: ['name'] },
  {
    responseTypes: ['KMS key', 'CMK'],
    types: ['aws_kms_key'],
    nameAttributes: ['alias', 'description', 'tags.Name'],
  },
  {
    responseTypes: ['CloudTrail', 'CloudTrail trail', 'trail'],
    types: ['aws_cloudtrail'],
    nameAttributes: ['name'],
  },
  {
    responseTypes: ['Lambda function', 'lambda'],
    types: ['aws_lambda_function'],
    nameAttributes: ['function_name'],
  },
  {
    responseTypes: ['EKS cluster', 'Kubernetes cluster'],
    types: ['aws_eks_cluster'],
    nameAttributes: ['name'],
  },
  { responseTypes: ['SNS topic'], types: ['aws_sns_topic'], nameAttributes: ['name', 'name_prefix'] },
  { responseTypes: ['SQS queue'], types: ['aws_sqs_queue'], nameAttributes: ['name', 'name_prefix'] },
  {
    responseTypes: ['CloudWatch log group', 'log group'],
    types: ['aws_cloudwatch_log_group'],
    nameAttributes: ['name', 'name_prefix'],
  },
  {
    responseTypes: [
      'Load balancer',
      'ELB',
      'ALB',
      'Application load balancer',
      'Network load balancer',
      'Elastic load balancer',
    ],
    types: ['aws_lb', 'aws_alb', 'aws_elb'],
    nameAttributes: ['name', 'name_prefix'],
  },
  {
    responseTypes: ['Load balancer listener', 'listener'],
    types: ['aws_lb_listener', 'aws_alb_listener'],
    nameAttributes: ['tags.Name'],
  },
  { responseTypes: ['EBS volume', 'volume'], types: ['aws_ebs_volume'], nameAttributes: ['tags.Name'] },
  { responseTypes: ['VPC'], types: ['aws_vpc'], nameAttributes: ['tags.Name'] },
  { responseTypes: ['Subnet'], types: ['aws_subnet'], nameAttributes: ['tags.Name'] },
  {
    responseTypes: ['ElastiCache cluster', 'ElastiCache'],
    types: ['aws_elasticache_cluster', 'aws_elasticache_replication_group'],
    nameAttributes: ['cluster_id', 'replication_group_id'],
  },
  {
    responseTypes: ['Secrets Manager secret', 'secret'],
    types: ['aws_secretsmanager_secret'],
    nameAttributes: ['name', 'name_prefix'],
  },
  {
    responseTypes: ['ECR repository', 'Container repository'],
    types: ['aws_ecr_repository'],
    nameAttributes: ['name'],
  },
  {
    responseTypes: ['EFS file system', 'EFS'],
    types: ['aws_efs_file_system'],
    nameAttributes: ['tags.Name', 'creation_token'],
  },
  {
    responseTypes: ['Redshift cluster'],
    types: ['aws_redshift_cluster'],
    nameAttributes: ['cluster_identifier'],
  },
  {
    responseTypes: ['OpenSearch domain', 'Elasticsearch domain'],
    types: ['aws_opensearch_domain', 'aws_elasticsearch_domain'],
    nameAttributes: ['domain_name'],
  },
  {
    responseTypes: ['CloudFront distribution'],
    types: ['aws_cloudfront_distribution'],
    nameAttributes: ['comment', 'tags.Name'],
  },
  {
    responseTypes: ['API Gateway', 'REST API'],
    types: ['aws_api_gateway_rest_api', 'aws_apigatewayv2_api'],
    nameAttributes: ['name'],
  },
  { responseTypes: ['GuardDuty detector'], types: ['aws_guardduty_detector'], nameAttributes: ['tags.Name'] },
  { responseTypes: ['ECS cluster'], types: ['aws_ecs_cluster'], nameAttributes: ['name'] },
  { responseTypes: ['Kinesis stream'], types: ['aws_kinesis_stream'], nameAttributes: ['name'] },
];

const KIND_NAMES = new Map<string, string[]>(
  RESOURCE_KINDS.flatMap((k) => k.types.map((t) => [t, k.nameAttributes] as [string, string[]])),
);

const normKind = (s: string): string =>
  s
    .toLowerCase()
    .replace(/\b(aws|amazon)\b/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/s\b/g, '');

const VANTA_INDEX = new Map<string, string[]>(
  RESOURCE_KINDS.flatMap((k) => k.responseTypes.map((n) => [normKind(n), k.types] as [string, string[]])),
);

/** Account-level responseTypes. */
export function isAccountKind(responseType: string | undefined): boolean {
  return !!responseType && /^(aws )?account$/.test(responseType.trim().toLowerCase());
}

/**
 * Maps a Vanta responseType ("S3 bucket") or a CloudFormation type ("AWS::S3::Bucket") to Terraform
 * types; [] when unknown.
 */
export function responseTypeToTerraform(responseType: string | undefined): string[] {
  if (!responseType) return [];
  const cfn = CFN_TYPES[responseType.trim()];
  if (cfn) return cfn;
  return VANTA_INDEX.get(normKind(responseType)) ?? [];
}

/** CloudFormation resource types of the legacy failure shape → Terraform types. */
export const CFN_TYPES: Record<string, string[]> = {
  'AWS::S3::Bucket': ['aws_s3_bucket'],
  'AWS::EC2::Instance': ['aws_instance'],
  'AWS::EC2::SecurityGroup': ['aws_security_group'],
  'AWS::EC2::Volume': ['aws_ebs_volume'],
  'AWS::EC2::VPC': ['aws_vpc'],
  'AWS::EC2::Subnet': ['aws_subnet'],
  'AWS::EC2::FlowLog': ['aws_flow_log'],
  'AWS::RDS::DBInstance': ['aws_db_instance'],
  'AWS::RDS::DBCluster': ['aws_rds_cluster'],
  'AWS::IAM::Role': ['aws_iam_role'],
  'AWS::IAM::User': ['aws_iam_user'],
  'AWS::IAM::Policy': ['aws_iam_policy'],
  'AWS::IAM::ManagedPolicy': ['aws_iam_policy'],
  'AWS::IAM::Group': ['aws_iam_group'],
  'AWS::KMS::Key': ['aws_kms_key'],
  'AWS::KMS::Alias': ['aws_kms_alias'],
  'AWS::CloudTrail::Trail': ['aws_cloudtrail'],
  'AWS::EKS::Cluster': ['aws_eks_cluster'],
  'AWS::Lambda::Function': ['aws_lambda_function'],
  'AWS::DynamoDB::Table': ['aws_dynamodb_table'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['aws_lb', 'aws_alb'],
  'AWS::ElasticLoadBalancingV2::Listener': ['aws_lb_listener', 'aws_alb_listener'],
  'AWS::ElasticLoadBalancing::LoadBalancer': ['aws_elb'],
  'AWS::SNS::Topic': ['aws_sns_topic'],
  'AWS::SQS::Queue': ['aws_sqs_queue'],
  'AWS::Logs::LogGroup': ['aws_cloudwatch_log_group'],
  'AWS::ElastiCache::CacheCluster': ['aws_elasticache_cluster'],
  'AWS::ElastiCache::ReplicationGroup': ['aws_elasticache_replication_group'],
  'AWS::SecretsManager::Secret': ['aws_secretsmanager_secret'],
  'AWS::ECR::Repository': ['aws_ecr_repository'],
  'AWS::EFS::FileSystem': ['aws_efs_file_system'],
  'AWS::Redshift::Cluster': ['aws_redshift_cluster'],
  'AWS::OpenSearchService::Domain': ['aws_opensearch_domain'],
  'AWS::Elasticsearch::Domain': ['aws_elasticsearch_domain'],
  'AWS::GuardDuty::Detector': ['aws_guardduty_detector'],
  'AWS::ApiGateway::RestApi': ['aws_api_gateway_rest_api'],
  'AWS::CloudFront::Distribution': ['aws_cloudfront_distribution'],
  'AWS::Config::ConfigurationRecorder': ['aws_config_configuration_recorder'],
};

/** Account-level controls: test id / name keywords → the Terraform type that implements them. */
export const ACCOUNT_LEVEL: { re: RegExp; type: string }[] = [
  { re: /password[-_ ]?policy/i, type: 'aws_iam_account_password_policy' },
  { re: /guard[-_ ]?duty/i, type: 'aws_guardduty_detector' },
  { re: /ebs.*(default|encrypt)|default.*ebs/i, type: 'aws_ebs_encryption_by_default' },
  { re: /account.*public[-_ ]?access|s3.*account.*block/i, type: 'aws_s3_account_public_access_block' },
  { re: /security[-_ ]?hub/i, type: 'aws_securityhub_account' },
  { re: /access[-_ ]?analyzer/i, type: 'aws_accessanalyzer_analyzer' },
  {
    re: /config[-_ ]?(recorder|enabled|server)|infra-activity-tracked-config|firewall-config/i,
    type: 'aws_config_configuration_recorder',
  },
  { re: /cloudtrail|activity[-_ ]?tracked/i, type: 'aws_cloudtrail' },
];

/** The account-level Terraform type a failure refers to, if any. */
export function accountLevelType(text: string): string | null {
  for (const a of ACCOUNT_LEVEL) if (a.re.test(text)) return a.type;
  return null;
}
