# ---------------------------------------------------------------------------------------------------
# Naming and network
# ---------------------------------------------------------------------------------------------------
variable "name" {
  description = "Name prefix for every resource (ECR repository, cluster, service, secrets, log groups)."
  type        = string
  default     = "terrafix"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC that holds the workers and Redis."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (with a NAT gateway or VPC endpoints for egress) for the worker tasks and Redis. Use two or more AZs."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "private_subnet_ids needs at least one subnet."
  }
}

variable "egress_cidr_blocks" {
  description = "Destinations the workers may reach on HTTPS (Vanta, GitHub, Bedrock, ECR, Secrets Manager, CloudWatch) and on the Temporal port. Narrow it when egress goes through a proxy or VPC endpoints."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

# ---------------------------------------------------------------------------------------------------
# Image and task sizing
# ---------------------------------------------------------------------------------------------------
variable "image_tag" {
  description = "Tag of the worker image in the module's ECR repository (tags are immutable: deploy a new tag for each release)."
  type        = string
}

variable "task_cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 1024
}

variable "task_memory" {
  description = "Fargate task memory in MiB."
  type        = number
  default     = 2048
}

variable "ephemeral_storage_gib" {
  description = "Fargate ephemeral storage in GiB (21-200) for repository clones and terraform runs."
  type        = number
  default     = 30

  validation {
    condition     = var.ephemeral_storage_gib >= 21 && var.ephemeral_storage_gib <= 200
    error_message = "ephemeral_storage_gib must be between 21 and 200."
  }
}

variable "cpu_architecture" {
  description = "Task CPU architecture: X86_64 or ARM64 (must match the image)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Worker tasks to start with; autoscaling moves the count between min_count and max_count afterwards."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Autoscaling lower bound for worker tasks."
  type        = number
  default     = 1
}

variable "max_count" {
  description = "Autoscaling upper bound for worker tasks."
  type        = number
  default     = 6
}

variable "cpu_target_percent" {
  description = "Average service CPU utilisation that autoscaling keeps the workers at."
  type        = number
  default     = 60
}

# ---------------------------------------------------------------------------------------------------
# Application configuration (non-secret environment of the worker; see .env.example)
# ---------------------------------------------------------------------------------------------------
variable "environment" {
  description = "Extra non-secret environment variables for the worker (for example GITHUB_REPO_MAPPING, VANTA_FRAMEWORK_FILTER, PR_REVIEWERS). Secrets are not accepted here."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment), [
      "VANTA_CLIENT_SECRET", "VANTA_API_TOKEN", "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "TEMPORAL_API_KEY", "REDIS_URL",
      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ])) == 0
    error_message = "environment must not carry secrets: they come from Secrets Manager (see secret_arns output)."
  }
}

variable "vanta_auth" {
  description = "Vanta credential kind: \"oauth\" (VANTA_CLIENT_ID plus a client secret in Secrets Manager) or \"token\" (VANTA_API_TOKEN in Secrets Manager)."
  type        = string
  default     = "oauth"

  validation {
    condition     = contains(["oauth", "token"], var.vanta_auth)
    error_message = "vanta_auth must be oauth or token."
  }
}

variable "vanta_client_id" {
  description = "Vanta OAuth client id (not secret) when vanta_auth is oauth."
  type        = string
  default     = ""
}

variable "github_auth" {
  description = "GitHub credential kind: \"app\" (GitHub App id, installation id and a private key in Secrets Manager) or \"token\" (GITHUB_TOKEN in Secrets Manager)."
  type        = string
  default     = "app"

  validation {
    condition     = contains(["app", "token"], var.github_auth)
    error_message = "github_auth must be app or token."
  }
}

variable "github_app_id" {
  description = "GitHub App id when github_auth is app."
  type        = string
  default     = ""
}

variable "github_app_installation_id" {
  description = "GitHub App installation id when github_auth is app (optional: looked up per repository when empty)."
  type        = string
  default     = ""
}

variable "bedrock_model_id" {
  description = "Bedrock model or cross-region inference profile id the worker calls (BEDROCK_MODEL_ID)."
  type        = string
  default     = "us.anthropic.claude-opus-4-5-20251101-v1:0"

  validation {
    condition     = can(regex("^[a-z0-9.:-]+$", var.bedrock_model_id))
    error_message = "bedrock_model_id must be a model or inference profile id such as us.anthropic.claude-opus-4-5-20251101-v1:0, not an ARN."
  }
}

variable "bedrock_inference_profile_regions" {
  description = "Regions a cross-region inference profile routes to; the task role may invoke the foundation model there, only through the profile. Empty means the current region."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]
}

variable "log_level" {
  description = "Worker LOG_LEVEL."
  type        = string
  default     = "info"
}

# ---------------------------------------------------------------------------------------------------
# Temporal
# ---------------------------------------------------------------------------------------------------
variable "temporal_address" {
  description = "Temporal frontend host:port: <namespace>.<account>.tmprl.cloud:7233 (mTLS), <region>.<cloud>.api.temporal.io:7233 (API key), or a self-hosted frontend."
  type        = string
}

variable "temporal_namespace" {
  description = "Temporal namespace."
  type        = string
  default     = "default"
}

variable "temporal_task_queue" {
  description = "Base Temporal task queue (TEMPORAL_TASK_QUEUE)."
  type        = string
  default     = "terrafix"
}

variable "temporal_auth" {
  description = "How the worker authenticates to Temporal: \"api_key\" (Temporal Cloud API key secret), \"mtls\" (client certificate and key secrets) or \"none\" (self-hosted, network-isolated frontend)."
  type        = string
  default     = "api_key"

  validation {
    condition     = contains(["api_key", "mtls", "none"], var.temporal_auth)
    error_message = "temporal_auth must be api_key, mtls or none."
  }
}

variable "temporal_tls" {
  description = "Use TLS to a self-hosted frontend (temporal_auth = none). Always on for api_key and mtls."
  type        = bool
  default     = true
}

variable "temporal_tls_server_name" {
  description = "TLS server name override (SNI) for the Temporal frontend; empty for the address host."
  type        = string
  default     = ""
}

variable "temporal_port" {
  description = "TCP port of the Temporal frontend, opened in the worker security group egress."
  type        = number
  default     = 7233
}

# ---------------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------------
variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_engine_version" {
  description = "Redis engine version (6.x or later: AUTH with in-transit encryption)."
  type        = string
  default     = "7.1"
}

variable "redis_multi_az" {
  description = "Run a replica in another AZ with automatic failover (needs subnets in two AZs)."
  type        = bool
  default     = true
}

variable "redis_snapshot_retention_days" {
  description = "Days of automatic Redis snapshots (0 disables them)."
  type        = number
  default     = 7
}

# ---------------------------------------------------------------------------------------------------
# Retention and protection
# ---------------------------------------------------------------------------------------------------
variable "log_retention_days" {
  description = "CloudWatch Logs retention in days (365 or more keeps a year of audit trail)."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 365 days."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (7-30)."
  type        = number
  default     = 30
}

variable "kms_deletion_window_days" {
  description = "Days before a scheduled KMS key deletion happens (7-30)."
  type        = number
  default     = 30
}

variable "ecr_keep_images" {
  description = "How many images the ECR lifecycle policy keeps."
  type        = number
  default     = 50
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into worker tasks (sessions are logged to an encrypted log group)."
  type        = bool
  default     = false
}
