#!/usr/bin/env bash
# Tests the GitHub Action (action.yml) step by step, as the runner would run it, on a sample
# routing-table repository with a pull request that orphans a PSAP: the cache key, `run.sh`
# (diff --base on the pull request, check otherwise), the SARIF upload and the one comment,
# against ci/fake_github.py on 127.0.0.1 instead of GitHub. Nothing here uses the network.
#
#   ci/test-action.sh [PSAPGUARD_BINARY]     (default target/release/psapguard)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:-$here/target/release/psapguard}")"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The sample repository: main holds the Denver table; the pull request re-points the rule
# that carried Broomfield's calls, so broomfield-pd loses all its traffic.
git init -q --bare "$work/origin.git"
repo="$work/tables"
git init -q -b main "$repo"
cd "$repo"
git config user.email ci@example.org
git config user.name ci
cp -r "$here/examples/denver" tables
printf 'table = "tables"\n' > psapguard.toml
git add .
git commit -qm "routing table"
git remote add origin "$work/origin.git"
git push -q origin main
git checkout -q -b orphan-broomfield
sed -i 's/        to: broomfield-pd/        to: westminster-911/' tables/network.yaml
git commit -qam "re-point Broomfield"
# A pull request's checkout has the remote's base branch, not a local one.
git branch -q -D main

# The runner's environment.
python3 "$here/ci/fake_github.py" "$work/port" "$work/requests.jsonl" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the stand-in API did not start"
printf '{"pull_request": {"number": 7}}\n' > "$work/event.json"
export GITHUB_ACTION_PATH="$here" GITHUB_API_URL="http://127.0.0.1:$(cat "$work/port")"
export GITHUB_REPOSITORY=acme/tables GITHUB_TOKEN=test-token GITHUB_EVENT_PATH="$work/event.json"
export GITHUB_SHA="$(git rev-parse HEAD)" GITHUB_REF=refs/pull/7/merge RUNNER_TEMP="$work/runner"
export PSAPGUARD_BIN="$bin" GITHUB_PATH="$work/path"
mkdir -p "$RUNNER_TEMP"
output() { grep "^$1=" "$GITHUB_OUTPUT" | tail -1 | cut -d= -f2-; }

echo "== cache key: stable, and names the runner's system"
export GITHUB_OUTPUT="$work/out-key"
"$here/scripts/action/cache-key.sh"
"$here/scripts/action/cache-key.sh"
[ "$(grep -c '^key=psapguard-' "$GITHUB_OUTPUT")" = 2 ] || fail "no cache key"
[ "$(sort -u "$GITHUB_OUTPUT" | wc -l)" = 1 ] || fail "the cache key changes between runs"
grep -qx "$HOME/.psapguard/bin" "$GITHUB_PATH" || fail "the binary's directory is not put on the PATH"

echo "== pull request: diff --base main fails on the orphaned PSAP"
export GITHUB_OUTPUT="$work/out-pr"
PSAPGUARD_BASE=main PSAPGUARD_PATH="" PSAPGUARD_ARGS="" "$here/scripts/action/run.sh" > "$work/annotations"
[ "$(output exit-code)" = 1 ] || fail "exit-code $(output exit-code), expected 1"
grep -q "^::error.*psap-lost-traffic" "$work/annotations" || fail "no GitHub annotation for psap-lost-traffic"
sarif="$(output sarif)"
markdown="$(output markdown)"
[ -s "$sarif" ] && [ -s "$markdown" ] || fail "no SARIF or Markdown report"
grep -q "broomfield-pd" "$markdown" || fail "the Markdown report does not name broomfield-pd"

echo "== SARIF upload: gzip and base64, with the commit and ref"
python3 "$here/scripts/action/github_api.py" upload-sarif "$sarif"
python3 - "$work/requests.jsonl" "$GITHUB_SHA" <<'PY'
import base64, gzip, json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
up = [r for r in log if r["path"] == "/repos/acme/tables/code-scanning/sarifs"]
assert len(up) == 1 and up[0]["method"] == "POST", up
body = up[0]["body"]
assert body["commit_sha"] == sys.argv[2] and body["ref"] == "refs/pull/7/merge", body
sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
rules = {r["ruleId"] for run in sarif["runs"] for r in run["results"]}
assert "psap-lost-traffic" in rules, rules
PY

echo "== comment: posted once, then updated in place"
python3 "$here/scripts/action/github_api.py" comment "$markdown"
python3 "$here/scripts/action/github_api.py" comment "$markdown"
python3 - "$work/requests.jsonl" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
writes = [(r["method"], r["path"]) for r in log if "comments" in r["path"] and r["method"] != "GET"]
assert writes == [("POST", "/repos/acme/tables/issues/7/comments"), ("PATCH", "/repos/acme/tables/issues/comments/1000")], writes
body = [r for r in log if r["method"] == "PATCH"][0]["body"]["body"]
assert body.startswith("<!-- psapguard -->\n") and "broomfield-pd" in body, body[:200]
# The comment the author planted with the marker (id 5) is never written.
assert not any(r["path"].endswith("/comments/5") for r in log), "the author's comment was edited"
PY

echo "== the base as a commit, and a base that is nowhere: exit 2 with one error"
export GITHUB_OUTPUT="$work/out-base"
PSAPGUARD_BASE="$(git rev-parse origin/main)" "$here/scripts/action/run.sh" > /dev/null
[ "$(output exit-code)" = 1 ] || fail "diff against a commit: exit-code $(output exit-code)"
PSAPGUARD_BASE=no-such-branch "$here/scripts/action/run.sh" > "$work/annotations" 2>/dev/null
[ "$(output exit-code)" = 2 ] || fail "a missing base: exit-code $(output exit-code), expected 2"
grep -q "^::error::psapguard: the base revision 'no-such-branch'" "$work/annotations" || fail "no error for a missing base"

echo "== extra arguments reach psapguard: --exit-zero reports but passes"
PSAPGUARD_BASE=main PSAPGUARD_ARGS="--exit-zero --max-moved-population 5%" "$here/scripts/action/run.sh" > "$work/annotations"
[ "$(output exit-code)" = 0 ] || fail "--exit-zero: exit-code $(output exit-code), expected 0"
grep -q "^::error.*psap-lost-traffic" "$work/annotations" || fail "--exit-zero hid the findings"

echo "== push: check of the clean table passes"
git checkout -q -b main origin/main
export GITHUB_OUTPUT="$work/out-push"
PSAPGUARD_BASE="" PSAPGUARD_PATH=tables PSAPGUARD_ARGS="" "$here/scripts/action/run.sh" > "$work/annotations"
[ "$(output exit-code)" = 0 ] || fail "check of the clean table: exit-code $(output exit-code)"
[ ! -s "$work/annotations" ] || fail "annotations on a clean table: $(cat "$work/annotations")"
grep -q '"version": "2.1.0"' "$(output sarif)" || fail "no SARIF report on a clean run"

echo "== a fork's read-only token: the comment is a warning, not a failure"
kill "$server"
wait "$server" 2>/dev/null || true
rm -f "$work/port"
python3 "$here/ci/fake_github.py" "$work/port" "$work/requests.jsonl" --refuse &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
export GITHUB_API_URL="http://127.0.0.1:$(cat "$work/port")"
python3 "$here/scripts/action/github_api.py" comment "$markdown" > "$work/refused"
grep -q "^::warning::psapguard: POST .*403" "$work/refused" || fail "a refused comment is not a warning"

echo "action test passed"
