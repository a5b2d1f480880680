output "vpc_id" {
  value = module.network.vpc_id
}

output "alb_dns_name" {
  value = aws_lb.web.dns_name
}
