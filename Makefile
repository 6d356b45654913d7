# linkops.k8s_platform — developer entry points. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export LINKOPS_CACHE_DIR ?= $(HOME)/.cache/linkops-k8s-platform
COLLECTIONS := $(ROOT)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/linkops/k8s_platform
CLUSTER := $(ROOT)/tools/local-cluster/cluster.sh
# The oldest ansible-core line meta/runtime.yml admits; `make lint` runs ansible-test sanity on it too.
OLDEST_ANSIBLE_CORE := 2.19
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k rbac"
PYTEST_ARGS ?=

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(shell bash $(ROOT)/tools/local-cluster/build.sh --print):$(PATH)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: venv
venv: ## create .venv with a Python >= 3.12 (cached outside the clone)
	@bash tools/venv.sh

.PHONY: collection-link
collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@[ -e $(COLLECTION_LINK) ] || ln -s $(ROOT) $(COLLECTION_LINK)

.PHONY: system-packages
system-packages: ## install the Debian packages the suite and the real node need (as root; no-op when present)
	@bash tools/system-packages.sh

.PHONY: binaries
binaries: cluster-binaries ## build the local cluster's binaries and the platform's (Traefik, cert-manager, Pebble), cached outside the clone
	@bash tools/local-cluster/build.sh platform >/dev/null

.PHONY: cluster-binaries
cluster-binaries: ## build the control plane's and the node's binaries only (make test builds the platform's beside its first tier)
	@bash tools/local-cluster/build.sh all >/dev/null

.PHONY: crds
crds: ## download the pinned upstream CRDs from their Go modules (cached outside the clone)
	@bash tools/local-cluster/crds.sh >/dev/null

.PHONY: cluster-up
cluster-up: system-packages ## start the local cluster: control plane and a real node (LINKOPS_REAL_NODE=0: kwok nodes only)
	@bash $(CLUSTER) up >/dev/null

.PHONY: cluster-down
cluster-down: ## stop the local cluster and its node, and remove their state
	@bash $(CLUSTER) down

.PHONY: kubeconfig
kubeconfig: ## print the local cluster's kubeconfig path (use with make -s)
	@bash $(CLUSTER) kubeconfig

.PHONY: demo
demo: system-packages venv collection-link binaries crds ## bring up a cluster (or use $KUBECONFIG) and converge site.yml twice
	@bash tools/demo.sh

.PHONY: test
test: system-packages venv collection-link cluster-binaries crds ## the whole suite: unit, integration, molecule, end-to-end (starts local clusters unless $KUBECONFIG is set)
	@bash tools/run-tests.sh $(PYTEST_ARGS)

.PHONY: unit
unit: venv collection-link ## unit tests only (no cluster)
	@$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

.PHONY: lint
lint: venv collection-link ## yamllint, ansible-lint (production profile), ansible-test sanity on 2.21 and the oldest admitted core
	@$(BIN)/yamllint -s .
	@$(BIN)/ansible-lint --profile production --offline
	@bash tools/sanity.sh $(PY)
	@bash tools/sanity.sh "$$(bash tools/sanity-venv.sh $(OLDEST_ANSIBLE_CORE))"

.PHONY: bench
bench: venv collection-link binaries crds ## benchmarks (converge beside kubectl, scale, audit, reachability) -> bench/RESULTS.md
	@$(PY) bench/run_all.py $(BENCH_ARGS)

.PHONY: sanity
sanity: venv collection-link ## ansible-test sanity on the newest ansible-core only (quicker than lint)
	@bash tools/sanity.sh $(PY)

.PHONY: build
build: venv ## build the collection tarball into build/
	@mkdir -p build
	@$(BIN)/ansible-galaxy collection build --force --output-path build .

.PHONY: clean
clean: ## remove build outputs and the .venv link (caches outside the clone are kept)
	rm -rf build .collections .pytest_cache tests/output
	[ -L .venv ] && rm -f .venv || true
