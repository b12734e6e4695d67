#!/usr/bin/env bash
# The cache key of the psapguard this action builds: its Cargo.lock, manifest and sources,
# hashed, so a cached binary is reused exactly until the action's code changes. Also puts the
# binary's directory on the PATH of the later steps.
set -euo pipefail
src="${GITHUB_ACTION_PATH:?the directory of the action}"
hash="$(cd "$src" && find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)"
echo "key=psapguard-${RUNNER_OS:-$(uname -s)}-$hash" >> "${GITHUB_OUTPUT:?}"
echo "$HOME/.psapguard/bin" >> "${GITHUB_PATH:-/dev/null}"
