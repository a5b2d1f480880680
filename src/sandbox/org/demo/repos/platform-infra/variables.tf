variable "region" {
  description = "AWS region of the platform stack"
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Deployment environment"
  type        = string
  default     = "prod"
}

variable "admin_cidr_blocks" {
  description = "Networks allowed to reach the admin interfaces"
  type        = list(string)
  default     = ["10.20.0.0/16"]
}

variable "instance_type" {
  type    = string
  default = "t3.small"
}
