# Security groups: nothing is reachable from outside. Workers only open outbound connections
# (HTTPS, Temporal, Redis); Redis accepts connections from the worker group only.
resource "aws_security_group" "worker" {
  name        = "${local.name_prefix}-worker"
  description = "TerraFix worker tasks: no ingress, egress to HTTPS, Temporal and Redis"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_egress_rule" "worker_https" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.worker.id
  description       = "HTTPS to Vanta, GitHub, Bedrock and AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "worker_temporal" {
  for_each = var.temporal_port == 443 ? toset([]) : toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.worker.id
  description       = "gRPC to the Temporal frontend"
  ip_protocol       = "tcp"
  from_port         = var.temporal_port
  to_port           = var.temporal_port
  cidr_ipv4         = each.value
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "worker_redis" {
  security_group_id            = aws_security_group.worker.id
  description                  = "Redis (TLS) in the TerraFix replication group"
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  referenced_security_group_id = aws_security_group.redis.id
  tags                         = local.tags
}

resource "aws_security_group" "redis" {
  name        = "${local.name_prefix}-redis"
  description = "TerraFix Redis: ingress from the worker tasks only, no egress"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_worker" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis (TLS) from TerraFix workers"
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  referenced_security_group_id = aws_security_group.worker.id
  tags                         = local.tags
}
