#!/usr/bin/env bash
# The whole test suite: lint, strict typing, then every test (unit,
# functional, interop and compatibility suites). Run it from anywhere, as
# root on a fresh Debian machine or inside your own virtualenv:
# - outside a virtualenv it uses (and first makes) .venv in the repository;
# - it installs the project with its test extras into that virtualenv
#   whenever pyproject.toml changed since the last install;
# - as root, it installs with apt what the tests need and the machine lacks:
#   python3-venv (the interop and compatibility suites build virtualenvs)
#   and openvswitch-switch (the functional tests start private daemons).
# The first run downloads from PyPI; see docs/compat.md for what is cached.
# Arguments go to pytest, e.g. ./tools/test.sh -m "not compat".
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if ! command -v ovsdb-server >/dev/null || ! command -v ovs-vswitchd >/dev/null; then
    missing+=(openvswitch-switch)
fi
if ((${#missing[@]})) && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
fi

venv=${VIRTUAL_ENV:-$PWD/.venv}
if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
stamp=$venv/.os-vif-test-install
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
    "$venv/bin/python" -m pip install --quiet -e '.[test]'
    echo "$wanted" >"$stamp"
fi
export PATH=$venv/bin:$PATH VIRTUAL_ENV=$venv

ruff check src tests bench tools
ruff format --check src tests bench tools
mypy --strict
exec python -m pytest "$@"
