#!/usr/bin/env bash
# The whole test suite: lint, strict typing, then every test.
# Run it from the repository root inside the project's virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check src tests bench tools
ruff format --check src tests bench tools
mypy --strict
exec python -m pytest "$@"
