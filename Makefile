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

# The fault tests (test/chaos: SIGKILLs, two workers, Redis outage) run after the rest, one at a time,
# so that they do not compete for the CPU with the other suites.
test: setup typecheck lint
	npx jest --ci --testPathIgnorePatterns /test/chaos/
	npx jest --ci --runInBand test/chaos
	./scripts/check-infra.sh
	./scripts/check-docker.sh

check-deploy: setup
	./scripts/check-infra.sh
	./scripts/check-docker.sh

demo: setup
	npx tsx src/sandbox/demo.ts

worker: build
	node dist/workers/main.js

bench: setup
	npx tsx bench/run.ts

clean:
	rm -rf dist coverage
