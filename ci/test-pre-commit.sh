#!/usr/bin/env bash
# Installs the real pre-commit framework into a throwaway virtualenv and runs this
# repository's hooks with `pre-commit try-repo` on a sample routing-table repository:
# the hook must pass on a clean table and fail on one that orphans a PSAP.
# Slow (pre-commit builds psapguard with `cargo install`), so it is not part of .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"

repo="$work/tables-repo"
mkdir -p "$repo"
cd "$repo"
git init -q
git config user.email ci@example.org
git config user.name ci
cp -r "$here/examples/denver" tables
printf 'table = "tables"\n' > psapguard.toml
git add .
git commit -qm "routing table"

echo "== clean table: the hook must pass"
pre-commit try-repo "$here" psapguard --all-files

echo "== orphan broomfield-pd: the hook must fail"
sed -i 's/        to: broomfield-pd/        to: westminster-911/' tables/network.yaml
git add tables/network.yaml
if pre-commit try-repo "$here" psapguard --all-files; then
  echo "FAIL: the hook passed on a table that orphans a PSAP"
  exit 1
fi
echo "pre-commit hook test passed"
