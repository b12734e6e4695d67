#!/usr/bin/env bash
# Builds psapguard from the action's own sources (cache miss only) into ~/.psapguard/bin.
set -euo pipefail
cargo install --locked --path "${GITHUB_ACTION_PATH:?the directory of the action}" --root "$HOME/.psapguard" psapguard
