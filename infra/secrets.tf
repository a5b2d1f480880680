# Secrets the worker reads at start (ECS injects them as environment variables). Terraform creates
# the empty secrets; operators put the values out of band so no credential lands in Terraform state:
#   aws secretsmanager put-secret-value --secret-id <arn from the secret_arns output> --secret-string file://value
# Third-party credentials (Vanta, GitHub, Temporal) are rotated at their issuer, so no rotation
# Lambda is attached here; the Redis URL carries the AUTH token this module generates.
locals {
  app_secret_names = concat(
    var.vanta_auth == "oauth" ? ["VANTA_CLIENT_SECRET"] : ["VANTA_API_TOKEN"],
    var.github_auth == "app" ? ["GITHUB_APP_PRIVATE_KEY"] : ["GITHUB_TOKEN"],
    var.temporal_auth == "api_key" ? ["TEMPORAL_API_KEY"] : [],
    var.temporal_auth == "mtls" ? ["TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"] : [],
  )
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:third-party credentials are rotated by their issuer; see docs/deploy.md
  for_each = toset(local.app_secret_names)

  name                    = "${local.secret_prefix}${lower(replace(each.key, "_", "-"))}"
  description             = "TerraFix worker ${each.key}"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "redis_url" {
  #checkov:skip=CKV2_AWS_57:the value follows the ElastiCache AUTH token managed by this module
  name                    = "${local.secret_prefix}redis-url"
  description             = "TerraFix worker REDIS_URL (rediss:// with the ElastiCache AUTH token)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.redis_auth.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:${local.redis_port}"
}
