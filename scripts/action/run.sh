#!/usr/bin/env bash
# Runs psapguard for the action: on a pull request (PSAPGUARD_BASE set) `diff --base`, else
# `check`; GitHub annotations on stdout, SARIF and Markdown reports in $RUNNER_TEMP. Never
# fails itself: psapguard's exit code goes to the step's `exit-code` output, and the last
# step of the action fails the job with it, after the report has been uploaded and posted.
set -uo pipefail
bin="${PSAPGUARD_BIN:-$HOME/.psapguard/bin/psapguard}"
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/psapguard"
mkdir -p "$out"
sarif="$out/psapguard.sarif"
markdown="$out/psapguard.md"
rm -f "$sarif" "$markdown"
read -r -a extra <<< "${PSAPGUARD_ARGS:-}"
paths=()
if [ -n "${PSAPGUARD_PATH:-}" ]; then paths=("$PSAPGUARD_PATH"); fi
reports=(--format github --format sarif --output "$sarif" --format markdown --output "$markdown")

# The base as a revision this checkout has: the remote's branch (a pull request's checkout has
# no local one), else the name as given (a commit or tag), else fetched from the remote.
base_revision() {
  local name="$1"
  if git rev-parse --verify -q "origin/$name^{commit}" >/dev/null; then
    echo "origin/$name"
  elif git rev-parse --verify -q "$name^{commit}" >/dev/null; then
    echo "$name"
  elif git fetch --no-tags --quiet origin "+refs/heads/$name:refs/remotes/origin/$name" >&2; then
    echo "origin/$name"
  else
    return 1
  fi
}

if [ -n "${PSAPGUARD_BASE:-}" ]; then
  if base="$(base_revision "$PSAPGUARD_BASE")"; then
    "$bin" diff --base "$base" "${reports[@]}" "${extra[@]}" "${paths[@]}"
    code=$?
  else
    echo "::error::psapguard: the base revision '$PSAPGUARD_BASE' is not in this checkout and could not be fetched"
    code=2
  fi
else
  "$bin" check "${reports[@]}" "${extra[@]}" "${paths[@]}"
  code=$?
fi

{
  echo "exit-code=$code"
  if [ -s "$sarif" ]; then echo "sarif=$sarif"; fi
  if [ -s "$markdown" ]; then echo "markdown=$markdown"; fi
} >> "${GITHUB_OUTPUT:?}"
exit 0
