module "core_db" {
  source = "./modules/postgres"

  identifier     = "acme-core-db"
  instance_class = var.db_instance_class
  tags           = local.common_tags
}

module "reporting_db" {
  source = "./modules/postgres"

  identifier     = "acme-reporting-db"
  instance_class = "db.t4g.small"
  multi_az       = true
  tags           = local.common_tags
}
