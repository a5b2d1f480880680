variable "name" {
  description = "Name prefix for the network resources"
  type        = string
}

variable "cidr_block" {
  type = string
}

variable "azs" {
  type = list(string)
}
