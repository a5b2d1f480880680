locals {
  prefix = "acme-${var.environment}"

  common_tags = {
    Owner       = "data-team"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
