variable "identifier" {
  description = "RDS instance identifier"
  type        = string
}

variable "instance_class" {
  type = string
}

variable "multi_az" {
  description = "Run a standby in a second availability zone"
  type        = bool
  default     = false
}

variable "tags" {
  type    = map(string)
  default = {}
}
