# The commands people type. `up`, `preview` and `destroy` run `setup` first (seconds when cached): the
# virtualenv, an engine that answers, the Pulumi toolchain and the state backend; `test` and `bench` also
# run `test-setup` (redis-server on the host, the images the test runs deploy).
SHELL := /bin/bash
STACK ?= redis
ARGS ?=
PYTEST_ARGS ?=
# make restore: the backup's folder, as `make backup` printed it.
FROM ?=
# make test: the parallel test workers (scripts/test.sh); they wait on the engine and Redis as much as on the CPU.
WORKERS ?= 4
# ENGINE=29: the target on Docker 29.8.1, started beside the machine's engine (see below).
ENGINE ?=
# Every target runs with the environment `make -s env` prints (tools on PATH, backend, passphrase).
WITH_ENV = eval "$$(scripts/env.sh)" &&

.PHONY: setup test-setup env images up preview destroy topology backup restore redis-cli test test-soak unit lint docs bench bench-engines soak clean swarm-up swarm-env swarm-down

setup:
	@scripts/setup.sh

test-setup: setup
	@scripts/test_setup.sh

images:
	@scripts/images.sh >/dev/null

ifeq ($(ENGINE),)
env:
	@scripts/env.sh

up: setup
	@$(WITH_ENV) scripts/stack.sh $(STACK) && pulumi up -s $(STACK) $(ARGS)

preview: setup
	@$(WITH_ENV) scripts/stack.sh $(STACK) && pulumi preview -s $(STACK) --diff $(ARGS)

destroy: setup
	@$(WITH_ENV) pulumi destroy -s $(STACK) $(ARGS)

topology: setup
	@$(WITH_ENV) .venv/bin/python -m topology $(STACK) $(ARGS)

# A Redis stack's day-2 operations (operations/, docs/operations.md): its data to a folder and back into a
# running cluster; redis-cli -c inside the cluster's network (ARGS: a command, else a session).
backup: setup
	@$(WITH_ENV) .venv/bin/python -m operations backup $(STACK) $(ARGS)

restore: setup
	@[[ -n "$(FROM)" ]] || { echo "make restore: FROM is not set: FROM=<the folder make backup printed on its last line>" >&2; exit 2; }
	@$(WITH_ENV) .venv/bin/python -m operations restore $(STACK) --from "$(FROM)" $(ARGS)

redis-cli: setup
	@$(WITH_ENV) .venv/bin/python -m operations redis-cli $(STACK) $(ARGS)

test: test-setup
	@$(WITH_ENV) WORKERS=$(WORKERS) scripts/test.sh $(PYTEST_ARGS)

# The soak's tests, one after the other: minutes of load by nature, and windows of time that a busy
# machine would stretch (docs/testing.md). CI runs them after `make test`.
test-soak: test-setup
	@$(WITH_ENV) scripts/test.sh --alone $(PYTEST_ARGS)

bench: test-setup
	@$(WITH_ENV) .venv/bin/python -m bench.redis_up $(ARGS)

clean: setup
	@scripts/cleanup.sh

# What a client sees under load while the cluster fails over, reshards, restarts and is repaired, on an
# isolated copy of the stack (docs/load.md); ARGS=--json prints one JSON object per event.
soak: test-setup
	@$(WITH_ENV) .venv/bin/python -m soak --stack $(STACK) $(ARGS)
else ifeq ($(ENGINE),29)
# Docker 29.8.1, built from Go modules (root; scripts/engines/docker29.sh), runs in a network namespace of
# its own; the target runs again inside it with ENGINE unset, where 127.0.0.1, the published ports and the
# container IPs are that engine's. The local images are copied from the machine's engine first.
up preview destroy topology backup restore redis-cli test test-soak bench clean soak: test-setup
	@scripts/engines/docker29.sh start >/dev/null && scripts/engines/docker29.sh load-images && \
	  scripts/engines/docker29.sh run $(MAKE) --no-print-directory $@ ENGINE= STACK="$(STACK)" \
	    ARGS="$(ARGS)" FROM="$(FROM)" PYTEST_ARGS="$(PYTEST_ARGS)" WORKERS="$(WORKERS)"

# For a shell on the host: `pulumi` and `docker` reach Docker 29 through its socket; its published ports
# and container IPs are inside its namespace (scripts/engines/docker29.sh run CMD).
env:
	@scripts/env.sh && scripts/engines/docker29.sh env
else
$(error ENGINE=$(ENGINE) is not an engine the project provides: use ENGINE=29 (Docker 29.8.1 beside your engine), or leave ENGINE unset for the engine DOCKER_HOST or your Docker context names)
endif

# The benchmark on the machine's engine, then on Docker 29 (root), one after the other with the same ARGS.
bench-engines:
	@$(MAKE) --no-print-directory bench ENGINE= ARGS="$(ARGS)" && $(MAKE) --no-print-directory bench ENGINE=29 ARGS="$(ARGS)"

unit:
	@.venv/bin/python -m pytest tests/unit $(PYTEST_ARGS)

lint: setup
	@scripts/lint.sh

# The settings tables in docs/, from the stacks' schemas (scripts/settings_tables.py); a unit test fails
# while one is not current.
docs: setup
	@.venv/bin/python scripts/settings_tables.py

# A three-engine Docker Swarm on this machine (root; scripts/swarm/swarm.sh, docs/swarm.md): the overlay
# and swarm stacks deploy on it after `eval "$$(make -s swarm-env)"`.
swarm-up: test-setup
	@scripts/swarm/swarm.sh up

swarm-env:
	@scripts/swarm/swarm.sh env

swarm-down:
	@scripts/swarm/swarm.sh down
