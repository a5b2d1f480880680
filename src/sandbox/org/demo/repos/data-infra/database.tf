resource "aws_db_instance" "core" {
  identifier                  = "acme-core-db"
  engine                      = "postgres"
  engine_version              = "16.3"
  instance_class              = var.db_instance_class
  allocated_storage           = 200
  storage_encrypted           = true
  multi_az                    = false
  username                    = "app"
  manage_master_user_password = true
  backup_retention_period     = 14
  deletion_protection         = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "acme-core-db-final"

  tags = local.common_tags
}

# Already compliant: the reporting database runs Multi-AZ (via the local module).
module "reporting_db" {
  source = "./modules/postgres"

  identifier     = "acme-reporting-db"
  instance_class = "db.t4g.small"
  multi_az       = true
  tags           = local.common_tags
}
