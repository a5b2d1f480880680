resource "aws_cloudtrail" "main" {
  name                          = "acme-org-trail"
  s3_bucket_name                = "acme-cloudtrail-logs"
  include_global_service_events = true
  is_multi_region_trail         = false
  enable_log_file_validation    = false
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/acme/app/api"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "ingest" {
  name              = "/aws/lambda/acme-ingest"
  retention_in_days = 14
}

# Already compliant: kept for 400 days.
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/acme/audit"
  retention_in_days = 400
}
