# One customer-managed key, rotated yearly, encrypts the image repository, logs, secrets and Redis.
resource "aws_kms_key" "main" {
  description             = "TerraFix: ECR, CloudWatch Logs, Secrets Manager and ElastiCache encryption"
  enable_key_rotation     = true
  is_enabled              = true
  deletion_window_in_days = var.kms_deletion_window_days

  # The key policy is written inline (not as an IAM policy document): in a key policy "*" as the
  # resource means "this key".
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsForThisModule"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}*"
          }
        }
      },
    ]
  })

  tags = local.tags
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name_prefix}"
  target_key_id = aws_kms_key.main.key_id
}
