# The commands people type. `up`, `preview` and `destroy` run `setup` first (seconds when cached): the
# virtualenv, an engine that answers, the Pulumi toolchain and the state backend; `test` and `bench` also
# run `test-setup` (redis-server on the host, the images the test runs deploy).
SHELL := /bin/bash
STACK ?= redis
ARGS ?=
PYTEST_ARGS ?=
# ENGINE=29: `make test` on a Docker 29 engine beside the machine's own (see the test target).
ENGINE ?=
# Every target runs with the environment `make -s env` prints (tools on PATH, backend, passphrase).
WITH_ENV = eval "$$(scripts/env.sh)" &&

.PHONY: setup test-setup env images up preview destroy topology test unit lint bench clean

setup:
	@scripts/setup.sh

test-setup: setup
	@scripts/test_setup.sh

env:
	@scripts/env.sh

images:
	@scripts/images.sh >/dev/null

up: setup
	@$(WITH_ENV) scripts/stack.sh $(STACK) && pulumi up -s $(STACK) $(ARGS)

preview: setup
	@$(WITH_ENV) scripts/stack.sh $(STACK) && pulumi preview -s $(STACK) --diff $(ARGS)

destroy: setup
	@$(WITH_ENV) pulumi destroy -s $(STACK) $(ARGS)

topology: setup
	@$(WITH_ENV) .venv/bin/python -m topology $(STACK) $(ARGS)

ifeq ($(ENGINE),29)
# The same suite on Docker 29.8.1, built from Go modules and started beside the machine's engine in a
# network namespace of its own, where the tests run too (root; scripts/engines/docker29.sh).
test: test-setup
	@scripts/engines/docker29.sh start >/dev/null && scripts/engines/docker29.sh load-images && \
	  scripts/engines/docker29.sh run $(MAKE) --no-print-directory test ENGINE= PYTEST_ARGS="$(PYTEST_ARGS)"
else
test: test-setup
	@$(WITH_ENV) .venv/bin/python -m pytest $(PYTEST_ARGS)
endif

unit:
	@.venv/bin/python -m pytest tests/unit $(PYTEST_ARGS)

lint: setup
	@scripts/lint.sh

bench: test-setup
	@$(WITH_ENV) .venv/bin/python -m bench.redis_up $(ARGS)

clean: setup
	@scripts/cleanup.sh
