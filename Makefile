# The commands people type. `up`, `preview`, `destroy` and `test` run `setup` first (seconds when cached).
SHELL := /bin/bash
STACK ?= redis
ARGS ?=
PYTEST_ARGS ?=
# Every target runs with the environment `make -s env` prints (tools on PATH, backend, passphrase).
WITH_ENV = eval "$$(scripts/env.sh)" &&

.PHONY: setup env up preview destroy test unit bench clean

setup:
	@scripts/setup.sh

env:
	@scripts/env.sh

up: setup
	@$(WITH_ENV) scripts/select_images.sh $(STACK) && pulumi up -s $(STACK) $(ARGS)

preview: setup
	@$(WITH_ENV) scripts/select_images.sh $(STACK) && pulumi preview -s $(STACK) --diff $(ARGS)

destroy: setup
	@$(WITH_ENV) pulumi destroy -s $(STACK) $(ARGS)

test: setup
	@$(WITH_ENV) .venv/bin/python -m pytest $(PYTEST_ARGS)

unit:
	@.venv/bin/python -m pytest tests/unit $(PYTEST_ARGS)

bench: setup
	@$(WITH_ENV) .venv/bin/python -m bench.redis_up $(ARGS)

clean:
	@scripts/cleanup.sh
