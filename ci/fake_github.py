#!/usr/bin/env python3
"""A stand-in for the parts of the GitHub REST API the action calls, on 127.0.0.1, for
ci/test-action.sh: issue comments (list, create, update) and the code-scanning SARIF upload.
Every request is appended to LOG as one JSON line; a request without the expected token is
answered 401, an unknown one 404.

    fake_github.py PORT_FILE LOG [--refuse]    (--refuse answers every write with 403)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port_file, log_path = sys.argv[1], sys.argv[2]
refuse = "--refuse" in sys.argv
BOT = {"login": "github-actions[bot]", "type": "Bot"}
# The pull request's author has planted a comment that starts with the action's marker: the
# action must not take it for its own.
comments = [{"id": 5, "body": "<!-- psapguard -->\nplanted by the author", "user": {"login": "mallory", "type": "User"}}]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"method": method, "path": self.path, "body": body}) + "\n")
        if self.headers.get("Authorization") != "Bearer test-token":
            return self.answer(401, {"message": "Bad credentials"})
        if refuse and method != "GET":
            return self.answer(403, {"message": "Resource not accessible by integration"})
        path = self.path.split("?")[0]
        if method == "GET" and path == "/repos/acme/tables/issues/7/comments":
            page = int(self.path.split("page=")[-1]) if "page=" in self.path else 1
            return self.answer(200, comments if page == 1 else [])
        if method == "POST" and path == "/repos/acme/tables/issues/7/comments":
            comments.append({"id": 999 + len(comments), "body": body["body"], "user": BOT})
            return self.answer(201, comments[-1])
        if method == "PATCH" and path.startswith("/repos/acme/tables/issues/comments/"):
            wanted = int(path.rsplit("/", 1)[1])
            for c in comments:
                if c["id"] == wanted:
                    c["body"] = body["body"]
                    return self.answer(200, c)
        if method == "POST" and path == "/repos/acme/tables/code-scanning/sarifs":
            return self.answer(202, {"id": "sarif-1", "url": "http://127.0.0.1/sarif-1"})
        return self.answer(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
