locals {
  name_prefix = "acme-${var.environment}"

  common_tags = {
    Owner       = "platform-team"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
