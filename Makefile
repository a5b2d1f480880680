# TerraFix: `make demo` runs the sandbox, `make test` runs typecheck, lint and all tests.
.PHONY: setup build typecheck lint test demo worker bench clean

setup:
	@./scripts/setup.sh

build: setup
	npx tsc -p tsconfig.build.json

typecheck: setup
	npx tsc -p tsconfig.json --noEmit

lint: setup
	npx eslint .
	npx prettier --check .

test: setup typecheck lint
	npx jest --ci

demo: setup
	npx tsx src/sandbox/demo.ts

worker: build
	node dist/workers/main.js

bench: setup
	npx tsx bench/run.ts

clean:
	rm -rf dist coverage
