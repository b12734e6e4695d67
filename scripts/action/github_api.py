#!/usr/bin/env python3
"""The action's two calls to the GitHub REST API, with the standard library only.

    github_api.py upload-sarif FILE   POST the SARIF report to code scanning
    github_api.py comment FILE        post the Markdown report as one pull-request comment,
                                      or update the one an earlier run posted

It reads what a workflow's environment holds: GITHUB_API_URL, GITHUB_REPOSITORY,
GITHUB_TOKEN, GITHUB_EVENT_PATH (the pull request's number), GITHUB_SHA and GITHUB_REF.
A pull request from a fork gets a read-only token: a refused call (403) is a warning, not a
failure, so that the job's verdict stays psapguard's.
"""
import base64
import gzip
import json
import os
import sys
import urllib.error
import urllib.request

MARKER = "<!-- psapguard -->"
# GitHub refuses comment bodies over 65,536 characters.
MAX_BODY = 65_000


class Refused(Exception):
    pass


def call(method, path, body=None):
    url = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/") + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("Authorization", "Bearer " + os.environ["GITHUB_TOKEN"])
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
    except urllib.error.HTTPError as e:
        if e.code == 403:
            raise Refused(f"{method} {path}: 403 (a read-only token, as on a pull request from a fork?)")
        raise SystemExit(f"psapguard action: {method} {path} failed: HTTP {e.code}")
    except urllib.error.URLError as e:
        raise SystemExit(f"psapguard action: {method} {path} failed: {e.reason}")
    return json.loads(text) if text else None


def repository():
    return os.environ["GITHUB_REPOSITORY"]


def pull_request_number():
    with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as f:
        event = json.load(f)
    number = (event.get("pull_request") or {}).get("number")
    if not isinstance(number, int):
        raise SystemExit("psapguard action: the event is not a pull request")
    return number


def upload_sarif(path):
    with open(path, "rb") as f:
        sarif = base64.b64encode(gzip.compress(f.read())).decode()
    body = {
        "commit_sha": os.environ["GITHUB_SHA"],
        "ref": os.environ["GITHUB_REF"],
        "sarif": sarif,
        "tool_name": "psapguard",
    }
    answer = call("POST", f"/repos/{repository()}/code-scanning/sarifs", body)
    print(f"psapguard: SARIF uploaded ({(answer or {}).get('id', 'no id')})")


def comment_body(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if len(text) > MAX_BODY:
        cut = text.rfind("\n", 0, MAX_BODY)
        text = text[: cut if cut > 0 else MAX_BODY] + "\n\n… (cut: the full report is in the job's SARIF upload)\n"
    return MARKER + "\n" + text


def bot_login():
    """Who the action's comments are by: the workflow token's bot, unless the workflow gives
    another token and names its account in PSAPGUARD_COMMENT_AUTHOR."""
    return os.environ.get("PSAPGUARD_COMMENT_AUTHOR") or "github-actions[bot]"


def our_comment(number):
    """The comment an earlier run posted, if any: the marker AND the bot's own account. Anyone
    can start a comment with the marker; the action never edits the pull request author's."""
    page = 1
    while True:
        comments = call("GET", f"/repos/{repository()}/issues/{number}/comments?per_page=100&page={page}")
        if not comments:
            return None
        for c in comments:
            author = (c.get("user") or {}).get("login")
            if author == bot_login() and (c.get("body") or "").startswith(MARKER):
                return c["id"]
        page += 1


def comment(path):
    number = pull_request_number()
    body = comment_body(path)
    existing = our_comment(number)
    if existing is None:
        call("POST", f"/repos/{repository()}/issues/{number}/comments", {"body": body})
        print(f"psapguard: commented on pull request #{number}")
    else:
        call("PATCH", f"/repos/{repository()}/issues/comments/{existing}", {"body": body})
        print(f"psapguard: updated its comment on pull request #{number}")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("upload-sarif", "comment"):
        raise SystemExit(__doc__)
    try:
        (upload_sarif if argv[1] == "upload-sarif" else comment)(argv[2])
    except Refused as e:
        print(f"::warning::psapguard: {e}")


if __name__ == "__main__":
    main(sys.argv)
