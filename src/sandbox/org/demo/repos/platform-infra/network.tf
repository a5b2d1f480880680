module "network" {
  source = "./modules/network"

  name       = local.name_prefix
  cidr_block = "10.40.0.0/16"
  azs        = ["us-east-1a", "us-east-1b"]
}

# SSH to the bastion: opened "temporarily" during an incident and never closed again.
resource "aws_security_group" "bastion" {
  name        = "acme-bastion-sg"
  description = "Bastion host access"
  vpc_id      = module.network.vpc_id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "legacy_admin" {
  name        = "acme-legacy-admin-sg"
  description = "Legacy admin tooling"
  vpc_id      = module.network.vpc_id

  ingress {
    description = "HTTPS from the office"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = var.admin_cidr_blocks
  }

  ingress {
    description = "SSH from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "web" {
  name        = "acme-web-sg"
  description = "Public web traffic to the load balancer"
  vpc_id      = module.network.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
