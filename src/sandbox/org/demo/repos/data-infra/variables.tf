variable "region" {
  type    = string
  default = "us-east-1"
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "db_instance_class" {
  description = "Instance class of the core database"
  type        = string
  default     = "db.t4g.medium"
}
