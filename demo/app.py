#!/usr/bin/python3
"""The demo's legacy app. It knows nothing about SAML or OIDC: it keeps its own user table
(SQLite), trusts the identity headers nginx sets, and implements the provisioning hook from
the README's spec (an afternoon's work): check the signature, answer a repeated
Idempotency-Key with the answer it got, then create, link, update or deny.

    demo/app.py PORT DATABASE HOOK_SECRET_FILE
"""
import hashlib
import hmac
import html
import json
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDENTITY = ("X-Remote-User", "X-Remote-Email", "X-Remote-Name", "X-Remote-Groups",
            "X-Remote-Roles", "X-Remote-Provider", "X-Remote-Subject")
DB_LOCK = threading.Lock()


def db():
    conn = sqlite3.connect(sys.argv[2])
    conn.row_factory = sqlite3.Row
    return conn


def setup():
    with db() as conn:
        conn.executescript("""
            CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY, email TEXT UNIQUE COLLATE NOCASE, name TEXT,
                roles TEXT, origin TEXT);
            CREATE TABLE IF NOT EXISTS sso_links (
                issuer TEXT, subject TEXT, user_id INTEGER, PRIMARY KEY (issuer, subject));
            CREATE TABLE IF NOT EXISTS sso_answers (
                idempotency_key TEXT PRIMARY KEY, status INTEGER, answer TEXT);
        """)
        # an account from before SSO: the acquired company's employee
        conn.execute("INSERT OR IGNORE INTO users (id, email, name, roles, origin) VALUES "
                     "(7, 'sam@acquired.example', 'Sam Local', 'member', 'local account')")


def signature_ok(header, body, secret):
    """X-SSO-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp, given = int(parts["t"]), parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > 300:
        return False
    want = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, given)


def provision(login, key):
    """The decision for one login, remembered under its Idempotency-Key in the same
    transaction: a retry with that key gets the same answer (the same account)."""
    with DB_LOCK, db() as conn:
        seen = conn.execute("SELECT status, answer FROM sso_answers WHERE idempotency_key=?",
                            (key,)).fetchone()
        if seen:
            return seen["status"], json.loads(seen["answer"])
        status, answer = decide(conn, login)
        if key:
            conn.execute("INSERT INTO sso_answers VALUES (?, ?, ?)",
                         (key, status, json.dumps(answer)))
        return status, answer


def decide(conn, login):
    """Create, link, update or deny."""
    link = conn.execute("SELECT user_id FROM sso_links WHERE issuer=? AND subject=?",
                        (login["issuer"], login["subject"])).fetchone()
    roles = ",".join(login["roles"])
    if link:
        conn.execute("UPDATE users SET name=?, roles=? WHERE id=?",
                     (login["name"], roles, link["user_id"]))
        return 200, {"user_id": str(link["user_id"]), "outcome": "updated"}
    existing = conn.execute("SELECT id FROM users WHERE email=?", (login["email"],)).fetchone()
    if existing:
        if login["link"] != "verified_email":
            return 409, {"reason": "an account with this email exists"}
        conn.execute("INSERT INTO sso_links VALUES (?, ?, ?)",
                     (login["issuer"], login["subject"], existing["id"]))
        conn.execute("UPDATE users SET origin = origin || ', linked to SSO' WHERE id=?",
                     (existing["id"],))
        return 200, {"user_id": str(existing["id"]), "outcome": "linked"}
    if not login["create"]:
        return 403, {"reason": "self sign-up is closed"}
    cur = conn.execute("INSERT INTO users (email, name, roles, origin) VALUES (?, ?, ?, ?)",
                       (login["email"], login["name"], roles, "created at first SSO login"))
    conn.execute("INSERT INTO sso_links VALUES (?, ?, ?)",
                 (login["issuer"], login["subject"], cur.lastrowid))
    return 201, {"user_id": str(cur.lastrowid)}


class App(BaseHTTPRequestHandler):
    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path != "/internal/provision":
            return self.answer(404, b"{}", "application/json")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not signature_ok(self.headers.get("X-SSO-Signature", ""), body, SECRET):
            return self.answer(401, b'{"reason":"bad signature"}', "application/json")
        message = json.loads(body)
        if message.get("event") != "login":
            # sessions ended (a logout): an app would end its own state for that user here
            print(f"sso event: {message.get('event')} ({message.get('reason')}) for user "
                  f"{message.get('user_id')}, {message.get('sessions')} session(s)", flush=True)
            return self.answer(200, b"{}", "application/json")
        status, answer = provision(message, self.headers.get("Idempotency-Key", ""))
        self.answer(status, json.dumps(answer).encode(), "application/json")

    def do_GET(self):
        seen = {name: self.headers.get(name) for name in IDENTITY}
        if self.path.startswith("/whoami"):
            return self.answer(200, json.dumps(seen, indent=1).encode(), "application/json")
        if self.path.startswith("/users"):
            with db() as conn:
                users = [dict(r) for r in conn.execute("SELECT * FROM users ORDER BY id")]
            return self.answer(200, json.dumps(users, indent=1).encode(), "application/json")
        with db() as conn:
            users = conn.execute("SELECT * FROM users ORDER BY id").fetchall()
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v or '-')}</td></tr>"
                       for k, v in seen.items())
        table = "".join("<tr>" + "".join(f"<td>{html.escape(str(u[c]))}</td>" for c in u.keys())
                        + "</tr>" for u in users)
        who = html.escape(seen["X-Remote-Name"] or seen["X-Remote-User"] or "nobody")
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Demo app</title>"
                f"</head><body><h1>Hello, {who}</h1><p>This legacy app received these "
                f"identity headers from nginx:</p><table>{rows}</table>"
                f"<h2>The app's own user table</h2><table><tr><th>id</th><th>email</th>"
                f"<th>name</th><th>roles</th><th>origin</th></tr>{table}</table>"
                f"<form method='post' action='/sso/logout'><button>Sign out</button></form>"
                f"</body></html>").encode()
        self.answer(200, body, "text/html; charset=utf-8")

    def log_message(self, fmt, *args):  # quiet: the demo prints its own story
        pass


if __name__ == "__main__":
    with open(sys.argv[3], "rb") as f:
        SECRET = f.readline().rstrip(b"\r\n")
    setup()
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), App).serve_forever()
