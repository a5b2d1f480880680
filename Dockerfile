# syntax=docker/dockerfile:1
# TerraFix worker image.
#   build:   compile TypeScript and prebuild the Temporal workflow bundle (no webpack at run time)
#   deps:    production node_modules only
#   runtime: node:22-bookworm-slim (Node 22 LTS; glibc: the Temporal native bridge does not load on
#            musl), git, terraform, tini as PID 1 so SIGTERM reaches the worker, non-root user,
#            read-only friendly. All stages use the same Node so native modules match the runtime.
# Build: docker build -t terrafix:dev .        Run: see docker-compose.temporal.yml and docs/deploy.md

ARG TERRAFORM_VERSION=1.11.4

# terraform is a static Go binary; the official image provides it for every architecture.
FROM hashicorp/terraform:${TERRAFORM_VERSION} AS terraform

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Non-TypeScript assets under src/ (JSON seeds and the like) go next to the compiled code.
RUN npx tsc -p tsconfig.build.json \
    && find src -type f ! -name '*.ts' -exec sh -c 'for f; do install -D -m 0644 "$f" "dist/${f#src/}"; done' sh {} + \
    && node dist/workers/bundle.js \
    && test -s dist/workflow-bundle.js

FROM node:22-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Versions of Debian packages follow the bookworm security updates of the base image (see .hadolint.yaml).
# jemalloc (libjemalloc2) replaces glibc malloc for the worker: see src/workers/imageRuntime.ts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git libjemalloc2 tini \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2 \
    && test -e /usr/local/lib/libjemalloc.so.2
COPY --from=terraform /bin/terraform /usr/local/bin/terraform

# Non-root user; /var/lib/terrafix is the only writable path the worker needs (clones, temp files,
# mTLS files), declared as a volume so the root filesystem can be mounted read-only.
RUN groupadd --system --gid 10001 terrafix \
    && useradd --system --uid 10001 --gid terrafix --no-create-home --home-dir /var/lib/terrafix/home terrafix \
    && mkdir -p /var/lib/terrafix/home /var/lib/terrafix/repos /var/lib/terrafix/tmp \
    && chown -R terrafix:terrafix /var/lib/terrafix \
    && chmod 0750 /var/lib/terrafix

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

ENV NODE_ENV=production \
    HOME=/var/lib/terrafix/home \
    TMPDIR=/var/lib/terrafix/tmp \
    WORKSPACE_DIR=/var/lib/terrafix/repos \
    TERRAFORM_PATH=/usr/local/bin/terraform \
    TERRAFORM_PROVIDER_MIRROR=/opt/terraform-providers \
    TF_IN_AUTOMATION=1 \
    CHECKPOINT_DISABLE=1 \
    TERRAFIX_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    HEALTH_PORT=8080 \
    LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    NODE_OPTIONS=--max-semi-space-size=4

# `terraform validate` takes providers only from /opt/terraform-providers (TERRAFORM_PROVIDER_MIRROR):
# mount the operator's mirror there read-only (filled by `terraform providers mirror`), never from a repository.
VOLUME ["/var/lib/terrafix"]
USER 10001:10001
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:Number(process.env.HEALTH_PORT||8080),path:'/health',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/workers/main.js"]
