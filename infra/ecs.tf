# ECS cluster, worker task definition, Fargate service in private subnets and CPU autoscaling.
resource "aws_ecs_cluster" "main" {
  name = local.name_prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = aws_kms_key.main.arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec.name
      }
    }
  }

  tags = local.tags
}

locals {
  # Liveness probe run inside the container (same as the image HEALTHCHECK).
  health_probe = "require('http').get({host:'127.0.0.1',port:Number(process.env.HEALTH_PORT||8080),path:'/health',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"

  # With mTLS the certificate and key arrive as secrets in the environment; they are written to
  # owner-only files on the task volume and removed from the environment before the worker starts.
  mtls_command = [
    "sh", "-c",
    join(" && ", [
      "umask 077",
      "mkdir -p ${local.tls_dir}",
      "printf '%s\\n' \"$TEMPORAL_TLS_CERT\" > ${local.tls_cert_path}",
      "printf '%s\\n' \"$TEMPORAL_TLS_KEY\" > ${local.tls_key_path}",
      "unset TEMPORAL_TLS_CERT TEMPORAL_TLS_KEY",
      "exec ${join(" ", local.worker_command)}",
    ]),
  ]

  base_environment = {
    AWS_REGION                 = local.region
    BEDROCK_MODEL_ID           = var.bedrock_model_id
    HEALTH_PORT                = tostring(local.health_port)
    LOG_LEVEL                  = var.log_level
    TEMPORAL_ADDRESS           = var.temporal_address
    TEMPORAL_NAMESPACE         = var.temporal_namespace
    TEMPORAL_TASK_QUEUE        = var.temporal_task_queue
    TEMPORAL_TLS               = tostring(local.temporal_tls)
    TEMPORAL_TLS_SERVER_NAME   = var.temporal_tls_server_name
    TEMPORAL_TLS_CERT_PATH     = var.temporal_auth == "mtls" ? local.tls_cert_path : ""
    TEMPORAL_TLS_KEY_PATH      = var.temporal_auth == "mtls" ? local.tls_key_path : ""
    VANTA_CLIENT_ID            = var.vanta_auth == "oauth" ? var.vanta_client_id : ""
    GITHUB_APP_ID              = var.github_auth == "app" ? var.github_app_id : ""
    GITHUB_APP_INSTALLATION_ID = var.github_auth == "app" ? var.github_app_installation_id : ""
    WORKSPACE_DIR              = "${local.data_dir}/repos"
  }
  # Empty values are left out (the worker treats a missing variable as its default).
  container_environment = [
    for k, v in merge(local.base_environment, var.environment) : { name = k, value = v } if v != ""
  ]
  container_secrets = concat(
    [for k, s in aws_secretsmanager_secret.app : { name = k, valueFrom = s.arn }],
    [{ name = "REDIS_URL", valueFrom = aws_secretsmanager_secret.redis_url.arn }],
  )
}

resource "aws_ecs_task_definition" "worker" {
  family                   = local.name_prefix
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  ephemeral_storage {
    size_in_gib = var.ephemeral_storage_gib
  }

  # Task-local scratch volume (Fargate ephemeral storage, encrypted by AWS) for clones, temp files
  # and the mTLS files; the root filesystem stays read-only.
  volume {
    name = "data"
  }

  container_definitions = jsonencode([
    {
      name                   = local.container_name
      image                  = "${aws_ecr_repository.worker.repository_url}:${var.image_tag}"
      essential              = true
      command                = var.temporal_auth == "mtls" ? local.mtls_command : local.worker_command
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      privileged             = false
      stopTimeout            = 120
      environment            = local.container_environment
      secrets                = local.container_secrets
      mountPoints = [
        { sourceVolume = "data", containerPath = local.data_dir, readOnly = false },
      ]
      linuxParameters = {
        capabilities = { drop = ["ALL"] }
      }
      healthCheck = {
        command     = ["CMD", "node", "-e", local.health_probe]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.worker.name
          awslogs-region        = local.region
          awslogs-stream-prefix = local.container_name
          mode                  = "non-blocking"
          max-buffer-size       = "8m"
        }
      }
    },
  ])

  tags = local.tags
}

resource "aws_ecs_service" "worker" {
  name                   = "${local.name_prefix}-worker"
  cluster                = aws_ecs_cluster.main.id
  task_definition        = aws_ecs_task_definition.worker.arn
  desired_count          = var.desired_count
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  enable_ecs_managed_tags            = true
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  # Autoscaling owns the running count after the first apply.
  lifecycle {
    ignore_changes = [desired_count]
  }

  tags = local.tags
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  name               = "${local.name_prefix}-worker-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  resource_id        = aws_appautoscaling_target.worker.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
