# TerraFix: `make demo` runs the sandbox, `make test` runs typecheck, lint and all tests.
.PHONY: setup build typecheck lint test demo worker bench clean check-deploy

setup:
	@./scripts/setup.sh

build: setup
	npx tsc -p tsconfig.build.json

typecheck: setup
	npx tsc -p tsconfig.json --noEmit

lint: setup
	npx eslint .
	npx prettier --check .

# scripts/test.sh runs set-up, typecheck, lint, the main suites, then the fault tests (test/chaos:
# SIGKILLs, two workers, Redis outage) one at a time so they do not compete for the CPU with the other
# suites, then the infra and docker checks; it prints each phase's duration and the total.
test:
	@./scripts/test.sh

check-deploy: setup
	./scripts/check-infra.sh
	./scripts/check-docker.sh

demo: setup
	npx tsx src/sandbox/demo.ts $(ARGS)

worker: build
	node dist/workers/main.js

bench: setup
	npx tsx bench/run.ts

clean:
	rm -rf dist coverage
