# TerraFix on AWS: worker containers on ECS Fargate, Redis on ElastiCache, secrets in Secrets Manager,
# everything encrypted with one customer-managed KMS key. Resources are split by concern:
#   kms.tf     customer-managed key (rotation on) used by every service below
#   ecr.tf     image repository (immutable tags, scan on push)
#   logs.tf    CloudWatch log groups (KMS, retention)
#   secrets.tf Secrets Manager secrets the task reads (values are put out of band, never in Terraform)
#   redis.tf   ElastiCache Redis replication group (encryption at rest and in transit, AUTH)
#   network.tf security groups (no ingress from the internet)
#   iam.tf     execution and task roles (least privilege)
#   ecs.tf     cluster, task definition, service and CPU autoscaling

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  tags = merge(var.tags, {
    Application = "terrafix"
    ManagedBy   = "terraform"
  })

  # Bedrock: a cross-region (system-defined) inference profile id starts with a geography prefix
  # ("us.anthropic.claude-..."); the foundation model it routes to is the id without that prefix.
  bedrock_geo_prefixes    = ["us", "eu", "apac", "us-gov", "ca", "jp", "au", "global"]
  bedrock_id_parts        = split(".", var.bedrock_model_id)
  bedrock_uses_profile    = contains(local.bedrock_geo_prefixes, local.bedrock_id_parts[0])
  bedrock_foundation_id   = local.bedrock_uses_profile ? join(".", slice(local.bedrock_id_parts, 1, length(local.bedrock_id_parts))) : var.bedrock_model_id
  bedrock_profile_arn     = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/${var.bedrock_model_id}"
  bedrock_profile_regions = length(var.bedrock_inference_profile_regions) > 0 ? var.bedrock_inference_profile_regions : [local.region]
  bedrock_model_arns = local.bedrock_uses_profile ? [
    for r in local.bedrock_profile_regions : "arn:${local.partition}:bedrock:${r}::foundation-model/${local.bedrock_foundation_id}"
  ] : ["arn:${local.partition}:bedrock:${local.region}::foundation-model/${var.bedrock_model_id}"]

  # Temporal: TLS is always on for Temporal Cloud; a self-hosted frontend decides with temporal_tls.
  temporal_tls = var.temporal_auth == "none" ? var.temporal_tls : true

  # Paths inside the container (see the Dockerfile: /var/lib/terrafix is the writable volume).
  data_dir        = "/var/lib/terrafix"
  tls_dir         = "${local.data_dir}/tls"
  tls_cert_path   = "${local.tls_dir}/client.pem"
  tls_key_path    = "${local.tls_dir}/client.key"
  worker_command  = ["node", "dist/workers/main.js"]
  container_name  = "worker"
  redis_port      = 6379
  health_port     = 8080
  name_prefix     = var.name
  secret_prefix   = "${var.name}/"
  log_group_name  = "/ecs/${var.name}"
  exec_group_name = "/ecs/${var.name}/exec"
}
