# Clientele: `make run` serves on the embedded default, `make test` runs every test.

CARGO ?= cargo

.PHONY: run test bench bench-scale lint fmt build-deps migrate clean

## Serve the API on 127.0.0.1:8080 with SQLite under data/ and messages written to the log.
run: build-deps
	$(CARGO) run --release -p clientele --bin clientele

## Every test: unit, contract (in-memory, SQLite, PostgreSQL) and end-to-end (real binary).
## PostgreSQL is started if it is installed but not running; with CI=true its absence fails.
test: build-deps
	scripts/test.sh

## Load test: authenticated reads against /health/live, sign-in against bcrypt, memory.
bench: build-deps
	scripts/bench.sh
	scripts/bench-import.sh

## Profile GET and sign-in at 1,000 and at 1,000,000 customers on SQLite and PostgreSQL.
bench-scale: build-deps
	scripts/bench-scale.sh

## The lint checks CI runs.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Apply database migrations to CLIENTELE_DATABASE_URL and exit.
migrate: build-deps
	$(CARGO) run --release -p clientele --bin clientele -- migrate

## The bundled libpq links OpenSSL: a fresh Debian machine needs libssl-dev and pkg-config.
build-deps:
	@scripts/build-deps.sh

clean:
	$(CARGO) clean
