#!/usr/bin/python3
"""The demo's legacy app: it knows nothing about SSO and trusts the identity headers that
nginx sets. It shows what it received, so a person can see the gate at work."""
import html
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDENTITY = ("X-Remote-User", "X-Remote-Email", "X-Remote-Name", "X-Remote-Groups",
            "X-Remote-Roles", "X-Remote-Provider", "X-Remote-Subject")


class App(BaseHTTPRequestHandler):
    def do_GET(self):
        seen = {name: self.headers.get(name) for name in IDENTITY}
        if self.path.startswith("/whoami"):
            body = json.dumps(seen, indent=1).encode()
            content_type = "application/json"
        else:
            rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v or '-')}</td></tr>"
                           for k, v in seen.items())
            who = html.escape(seen["X-Remote-Name"] or seen["X-Remote-User"] or "nobody")
            body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Demo app</title>"
                    f"</head><body><h1>Hello, {who}</h1><p>This legacy app received these "
                    f"identity headers from nginx:</p><table>{rows}</table>"
                    f"<form method='post' action='/sso/logout'><button>Sign out</button></form>"
                    f"</body></html>").encode()
            content_type = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet: the demo prints its own story
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), App).serve_forever()
