output "ecr_repository_url" {
  description = "Push the worker image here (docker push <url>:<tag>), then set image_tag."
  value       = aws_ecr_repository.worker.repository_url
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.main.name
}

output "service_name" {
  description = "ECS service running the workers."
  value       = aws_ecs_service.worker.name
}

output "task_definition_arn" {
  description = "Current worker task definition revision."
  value       = aws_ecs_task_definition.worker.arn
}

output "task_role_arn" {
  description = "Role the worker process runs as (Bedrock access)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to pull the image, write logs and read the secrets."
  value       = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the workers."
  value       = aws_cloudwatch_log_group.worker.name
}

output "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the repository, logs, secrets and Redis."
  value       = aws_kms_key.main.arn
}

output "secret_arns" {
  description = "Secrets to fill (by environment variable name) with `aws secretsmanager put-secret-value`; REDIS_URL is managed by the module."
  value       = merge({ for k, s in aws_secretsmanager_secret.app : k => s.arn }, { REDIS_URL = aws_secretsmanager_secret.redis_url.arn })
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint address (TLS, AUTH required)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "worker_security_group_id" {
  description = "Security group of the worker tasks (add it to VPC endpoint or proxy allow lists)."
  value       = aws_security_group.worker.id
}

output "redis_security_group_id" {
  description = "Security group of the Redis replication group."
  value       = aws_security_group.redis.id
}

output "bedrock_resource_arns" {
  description = "Bedrock ARNs the task role may invoke (inference profile and the foundation models it routes to)."
  value       = concat(local.bedrock_uses_profile ? [local.bedrock_profile_arn] : [], local.bedrock_model_arns)
}
