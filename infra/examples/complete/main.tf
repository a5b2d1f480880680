# Example root module: TerraFix workers on Temporal Cloud (API key) in an existing VPC.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "vpc_id" {
  description = "Existing VPC."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets in two or more AZs."
  type        = list(string)
}

variable "image_tag" {
  description = "Worker image tag pushed to the module's ECR repository."
  type        = string
}

variable "temporal_address" {
  description = "Temporal Cloud endpoint, for example us-east-1.aws.api.temporal.io:7233."
  type        = string
}

variable "temporal_namespace" {
  description = "Temporal Cloud namespace, for example terrafix.a1b2c."
  type        = string
}

module "terrafix" {
  source = "../.."

  vpc_id             = var.vpc_id
  private_subnet_ids = var.private_subnet_ids
  image_tag          = var.image_tag

  temporal_address   = var.temporal_address
  temporal_namespace = var.temporal_namespace
  temporal_auth      = "api_key"

  vanta_auth      = "oauth"
  vanta_client_id = "vci_example"
  github_auth     = "app"
  github_app_id   = "123456"

  environment = {
    GITHUB_REPO_MAPPING = jsonencode({ default = "example-org/infrastructure" })
    PR_REVIEWERS        = "platform-team"
  }

  tags = { Environment = "production" }
}

output "ecr_repository_url" {
  description = "Where to push the worker image."
  value       = module.terrafix.ecr_repository_url
}

output "secret_arns" {
  description = "Secrets to fill before the service starts."
  value       = module.terrafix.secret_arns
}
