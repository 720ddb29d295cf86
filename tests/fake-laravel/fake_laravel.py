#!/usr/bin/env python3
"""A strict fake of the Laravel side of the audio-server contract.

It implements the three internal endpoints of docs/laravel.md#laravel-side
the way a real Laravel app with that code would answer, so that roomcast's
tests fail where production would:

  POST /api/v1/internal/auth/validate        internal.auth + auth:sanctum
  POST /api/v1/internal/gifts/batch          internal.auth, validation, SQLite ledger
  POST /api/v1/internal/rooms/{id}/status    internal.auth, validation, 404 unknown room,
                                             owner_id (the room's user_id) in the answer

Laravel behaviour reproduced: route matching (404/405 JSON), the
internal.auth middleware (403 {"message":"Invalid internal key."}, compared
with hash_equals semantics), Sanctum's 401 {"message":"Unauthenticated."},
request bodies read as JSON only when Content-Type says JSON (otherwise the
input is empty and validation fails), the validator's 422
{"message":..., "errors":{field:[...]}} with Laravel's wording, and the
answers a client that does not send "Accept: application/json" gets
(redirects and HTML instead of JSON). Gift batches are idempotent by
transaction_id; balances live in SQLite and each transaction is applied in
its own database transaction, as docs/laravel.md#the-gift-controller says.

Known simplification: the validator reports the first failing rule of each
field (Laravel may list several for one field).

A control API under /_control/ (no key) lets tests register users, tokens,
gifts and rooms (with their owner), read the ledger, balances and every call received, and
inject faults (HTTP 500 for the next N calls, a delay, a dropped
connection before or after processing, a canned body), each optionally
applying to a random share of the calls only ("probability", reproducible
with "seed").

Usage: fake_laravel.py --internal-key KEY [--auto-create-rooms] [--db PATH]
Listens on 127.0.0.1, port 0 unless --port; prints
"fake-laravel listening on http://127.0.0.1:PORT" once ready.
"""

import argparse
import datetime
import hmac
import json
import random
import re
import socket
import sqlite3
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/api/v1/internal"
UUID_RE = re.compile(r"^[\da-fA-F]{8}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{12}$")
INT_STRING_RE = re.compile(r"^\s*[+-]?(0|[1-9]\d*)\s*$")

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, avatar_url TEXT,
                    role TEXT, coin_balance INTEGER NOT NULL DEFAULT 0,
                    diamond_balance INTEGER NOT NULL DEFAULT 0, extra TEXT NOT NULL DEFAULT '{}');
CREATE TABLE tokens (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));
CREATE TABLE gifts (id TEXT PRIMARY KEY, price INTEGER NOT NULL, value INTEGER NOT NULL,
                    processing_error INTEGER NOT NULL DEFAULT 0);
CREATE TABLE gift_transactions (transaction_id TEXT PRIMARY KEY, room_id TEXT NOT NULL,
                    sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL,
                    gift_id TEXT NOT NULL, quantity INTEGER NOT NULL,
                    total_cost INTEGER NOT NULL, recipient_share INTEGER NOT NULL,
                    created_at TEXT NOT NULL);
CREATE TABLE rooms (id TEXT PRIMARY KEY, user_id INTEGER REFERENCES users(id), is_live INTEGER,
                    participant_count INTEGER, closed_at TEXT, last_activity_at TEXT);
CREATE TABLE room_status_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL,
                    body TEXT NOT NULL, received_at TEXT NOT NULL);
"""


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class State:
    """Everything the fake knows; one lock serialises database access."""

    def __init__(self, internal_key, auto_create_rooms, db_path):
        self.lock = threading.RLock()
        self.internal_key = internal_key
        self.auto_create_rooms = auto_create_rooms
        self.db_path = db_path
        self.calls = []
        self.faults = []
        self.random = random.Random(0)
        self.db = None
        self.reset()

    def reset(self):
        with self.lock:
            if self.db is not None:
                self.db.close()
            self.db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            for table in ("room_status_updates", "rooms", "gift_transactions", "gifts", "tokens", "users"):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.executescript(SCHEMA)
            self.calls = []
            self.faults = []

    def take_fault(self, path):
        """The first fault that applies to this path, with its count used."""
        with self.lock:
            for fault in self.faults:
                if fault.get("path") and not path.startswith(fault["path"]):
                    continue
                if fault.get("probability") is not None and self.random.random() >= fault["probability"]:
                    continue
                if fault["count"] is not None:
                    if fault["count"] <= 0:
                        continue
                    fault["count"] -= 1
                return dict(fault)
        return None


# --- Laravel's validator, the rules of the controllers in docs/laravel.md ------------------


def display(attribute):
    # Laravel shows "transactions.0.sender_id" as "transactions.0.sender id".
    return attribute.replace("_", " ")


def is_int_like(value):
    # filter_var($v, FILTER_VALIDATE_INT): ints, true, integral floats, canonical digit strings.
    if isinstance(value, bool):
        return value is True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        return INT_STRING_RE.match(value) is not None
    return False


def is_date(value):
    if not isinstance(value, str) or not value.strip():
        return False
    text = value.strip().replace("Z", "+00:00")
    try:
        datetime.datetime.fromisoformat(text)
        return True
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            datetime.datetime.strptime(value.strip(), fmt)
            return True
        except ValueError:
            pass
    return False


def missing(value):
    return value is None or (isinstance(value, str) and value.strip() == "") or \
        (isinstance(value, (list, dict)) and len(value) == 0)


def check_rules(attribute, value, present, rules):
    """The message of the first failing rule, or None."""
    name = display(attribute)
    if "required" in rules and (not present or missing(value)):
        return f"The {name} field is required."
    if not present or (value is None and "nullable" in rules):
        return None
    for rule in rules:
        if rule == "array" and not isinstance(value, (list, dict)):
            return f"The {name} field must be an array."
        if rule == "string" and not isinstance(value, str):
            return f"The {name} field must be a string."
        if rule == "integer" and not is_int_like(value):
            return f"The {name} field must be an integer."
        if rule == "uuid" and not (isinstance(value, str) and UUID_RE.match(value)):
            return f"The {name} field must be a valid UUID."
        if rule == "boolean" and not (value in (True, False, 0, 1, "0", "1") and not isinstance(value, float)):
            return f"The {name} field must be true or false."
        if rule == "date" and not is_date(value):
            return f"The {name} field must be a valid date."
        if rule.startswith("min:") and is_int_like(value):
            if float(value) < int(rule[4:]):
                return f"The {name} field must be at least {rule[4:]}."
    return None


def validate(data, rules):
    """Laravel-style validation of a dict against {"a.*.b": [rules]}: returns the errors dict."""
    errors = {}

    def expand(pattern, node, prefix):
        head, _, rest = pattern.partition(".")
        if head == "*":
            if not isinstance(node, (list, dict)):
                return []
            keys = range(len(node)) if isinstance(node, list) else node.keys()
            out = []
            for k in keys:
                child = node[k]
                path = f"{prefix}{k}"
                out += expand(rest, child, path + ".") if rest else [(path, child, True)]
            return out
        present = isinstance(node, dict) and head in node
        child = node.get(head) if isinstance(node, dict) else None
        path = f"{prefix}{head}"
        if rest:
            if not present:
                # a wildcard under a missing parent expands to nothing
                return [] if rest.startswith("*") else [(f"{path}.{rest}", None, False)]
            return expand(rest, child, path + ".")
        return [(path, child, present)]

    for pattern, rule_list in rules.items():
        for attribute, value, present in expand(pattern, data, ""):
            message = check_rules(attribute, value, present, rule_list)
            if message:
                errors.setdefault(attribute, []).append(message)
    return errors


def validation_body(errors):
    messages = [m for ms in errors.values() for m in ms]
    message = messages[0]
    more = len(messages) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return {"message": message, "errors": errors}


GIFT_RULES = {
    "transactions": ["required", "array"],
    "transactions.*.transaction_id": ["required", "string"],
    "transactions.*.room_id": ["required", "uuid"],
    "transactions.*.sender_id": ["required", "integer", "min:1"],
    "transactions.*.recipient_id": ["required", "integer", "min:1"],
    "transactions.*.gift_id": ["required", "string"],
    "transactions.*.quantity": ["required", "integer", "min:1"],
    "transactions.*.timestamp": ["required", "integer"],
}

ROOM_RULES = {
    "is_live": ["required", "boolean"],
    "participant_count": ["required", "integer", "min:0"],
    "closed_at": ["nullable", "date"],
}


class Reply(Exception):
    """Raised by a handler to answer at once."""

    def __init__(self, status, body, content_type="application/json", headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


# --- the HTTP side ----------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as nginx/php-fpm would
    server_version = "fake-laravel"
    state = None  # set by main()
    verbose = False

    def log_message(self, format, *args):
        if self.verbose:
            sys.stderr.write("fake-laravel: " + (format % args) + "\n")

    # -- plumbing --

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json", headers=None):
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = body or b""
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload) if status != 204 else 0))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if status != 204:
            self.wfile.write(payload)
        self.wfile.flush()

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        if url.path.startswith("/_control/"):
            try:
                self.control(method, url, raw)
            except Reply as r:
                self.send(r.status, r.body, r.content_type, r.headers)
            return
        self.api(method, url.path, raw)

    # -- the Laravel app --

    def wants_json(self):
        accept = self.headers.get("Accept", "")
        first = accept.split(",")[0].strip().lower()
        return "/json" in first or "+json" in first

    def input(self, raw):
        ctype = self.headers.get("Content-Type", "").lower()
        if "/json" not in ctype and "+json" not in ctype:
            return {}
        try:
            data = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def api(self, method, path, raw):
        state = self.state
        call = {
            "method": method, "path": path, "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": raw.decode("utf-8", "replace"), "client_port": self.client_address[1],
            "received_at": time.time(), "status": None,
        }
        with state.lock:
            state.calls.append(call)
        fault = state.take_fault(path)
        if fault and fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        if fault and fault.get("drop") == "before":
            call["status"] = "dropped"
            self.drop()
            return
        if fault and fault.get("status"):
            body = fault.get("body")
            if body is None:
                body = {"message": "Server error."}
            call["status"] = fault["status"]
            self.send(fault["status"], body)
            return
        if fault and fault.get("body") is not None:
            call["status"] = 200
            self.send(200, fault["body"])
            return
        try:
            status, body = self.route(method, path, raw)
            reply = Reply(status, body)
        except Reply as r:
            reply = r
        if fault and fault.get("drop") == "after":
            call["status"] = "dropped_after_processing"
            self.drop()
            return
        call["status"] = reply.status
        self.send(reply.status, reply.body, reply.content_type, reply.headers)

    def not_json_client(self, kind):
        # What Laravel does for a client that does not ask for JSON.
        if kind == "unauthenticated":  # redirect()->guest(route('login')): no such route in an API
            raise Reply(500, "<!DOCTYPE html><title>Server Error</title>Route [login] not defined.",
                        "text/html; charset=UTF-8")
        raise Reply(302, "", "text/html; charset=UTF-8", {"Location": "/"})

    def route(self, method, path, raw):
        routes = [
            (re.compile(r"^/api/v1/internal/auth/validate$"), self.auth_validate),
            (re.compile(r"^/api/v1/internal/gifts/batch$"), self.gifts_batch),
            (re.compile(r"^/api/v1/internal/rooms/([^/]+)/status$"), self.room_status),
        ]
        for pattern, handler in routes:
            m = pattern.match(path)
            if not m:
                continue
            if method != "POST":
                uri = path.lstrip("/")
                raise Reply(405, {"message": f"The {method} method is not supported for route {uri}. "
                                             "Supported methods: POST."})
            self.internal_auth()
            return handler(raw, *m.groups())
        if self.wants_json():
            raise Reply(404, {"message": f"The route {path.lstrip('/')} could not be found."})
        raise Reply(404, "<!DOCTYPE html><title>Not Found</title>", "text/html; charset=UTF-8")

    def internal_auth(self):
        given = self.headers.get("X-Internal-Key")
        expected = self.state.internal_key
        if not given or not hmac.compare_digest(expected.encode(), given.encode()):
            raise Reply(403, {"message": "Invalid internal key."})

    def auth_validate(self, raw):
        header = self.headers.get("Authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else None
        with self.state.lock:
            row = None
            if token:
                row = self.state.db.execute(
                    "SELECT u.* FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token = ?",
                    (token,)).fetchone()
        if row is None:
            if not self.wants_json():
                self.not_json_client("unauthenticated")
            raise Reply(401, {"message": "Unauthenticated."})
        user = {"id": row["id"], "name": row["name"], "email": row["email"],
                "avatar_url": row["avatar_url"], "role": row["role"]}
        user.update(json.loads(row["extra"]))
        return 200, user

    def fail_validation(self, errors):
        if not self.wants_json():
            self.not_json_client("validation")
        raise Reply(422, validation_body(errors))

    def gifts_batch(self, raw):
        data = self.input(raw)
        errors = validate(data, GIFT_RULES)
        if errors:
            self.fail_validation(errors)
        txs = data["transactions"]
        txs = txs if isinstance(txs, list) else list(txs.values())
        processed, failed = 0, []
        for tx in txs:
            error = self.process_transaction(tx)
            if error:
                failed.append({"transaction_id": tx["transaction_id"], "error": error,
                               "sender_id": tx["sender_id"]})
            else:
                processed += 1
        return 200, {"processed": processed, "failed": failed}

    def process_transaction(self, tx):
        """One database transaction per gift (docs/laravel.md#the-gift-controller)."""
        db = self.state.db
        with self.state.lock:
            if db.execute("SELECT 1 FROM gift_transactions WHERE transaction_id = ?",
                          (tx["transaction_id"],)).fetchone():
                return "duplicate_transaction"
            db.execute("BEGIN IMMEDIATE")
            try:
                gift = db.execute("SELECT * FROM gifts WHERE id = ?", (tx["gift_id"],)).fetchone()
                if gift is None:
                    db.execute("ROLLBACK")
                    return "invalid_gift"
                if gift["processing_error"]:
                    db.execute("ROLLBACK")
                    return "processing_error"
                quantity = int(float(tx["quantity"]))
                cost = gift["price"] * quantity
                sender = db.execute("SELECT * FROM users WHERE id = ?",
                                    (int(float(tx["sender_id"])),)).fetchone()
                if sender is None or sender["coin_balance"] < cost:
                    db.execute("ROLLBACK")
                    return "insufficient_balance"
                recipient = db.execute("SELECT * FROM users WHERE id = ?",
                                       (int(float(tx["recipient_id"])),)).fetchone()
                if recipient is None:
                    db.execute("ROLLBACK")
                    return "invalid_recipient"
                share = gift["value"] * quantity
                db.execute("UPDATE users SET coin_balance = coin_balance - ? WHERE id = ?",
                           (cost, sender["id"]))
                db.execute("UPDATE users SET diamond_balance = diamond_balance + ? WHERE id = ?",
                           (share, recipient["id"]))
                db.execute("INSERT INTO gift_transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (tx["transaction_id"], tx["room_id"], sender["id"], recipient["id"],
                            tx["gift_id"], quantity, cost, share, now_iso()))
                db.execute("COMMIT")
                return None
            except Exception:
                db.execute("ROLLBACK")
                return "processing_error"

    def room_status(self, raw, room_id):
        room_id = urllib.parse.unquote(room_id)
        data = self.input(raw)
        errors = validate(data, ROOM_RULES)
        if errors:
            self.fail_validation(errors)
        db = self.state.db
        with self.state.lock:
            room = db.execute("SELECT * FROM rooms WHERE id = ?", (room_id,)).fetchone()
            if room is None:
                if not self.state.auto_create_rooms:
                    raise Reply(404, {"message": "Room not found."})
                db.execute("INSERT INTO rooms (id) VALUES (?)", (room_id,))
            is_live = data["is_live"] in (True, 1, "1")
            db.execute("UPDATE rooms SET is_live = ?, participant_count = ?, closed_at = ?, "
                       "last_activity_at = ? WHERE id = ?",
                       (int(is_live), int(float(data["participant_count"])), data.get("closed_at"),
                        now_iso(), room_id))
            db.execute("INSERT INTO room_status_updates (room_id, body, received_at) VALUES (?, ?, ?)",
                       (room_id, json.dumps(data), now_iso()))
            owner = db.execute("SELECT user_id FROM rooms WHERE id = ?", (room_id,)).fetchone()["user_id"]
        # The optional extension of docs/laravel.md#room-status: the owner (rooms.user_id), when
        # the room has one, as Laravel serialises an integer column.
        if owner is None:
            return 200, {"success": True}
        return 200, {"success": True, "owner_id": owner}

    # -- the control API for tests --

    def control(self, method, url, raw):
        state, db = self.state, self.state.db
        path = url.path[len("/_control"):]
        query = urllib.parse.parse_qs(url.query)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            raise Reply(400, {"error": "control API bodies are JSON"})

        if method == "GET" and path == "/health":
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/reset":
            state.reset()
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/config":
            with state.lock:
                if "internal_key" in body:
                    state.internal_key = body["internal_key"]
                if "auto_create_rooms" in body:
                    state.auto_create_rooms = bool(body["auto_create_rooms"])
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/users":
            with state.lock:
                db.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (body["id"], body["name"], body.get("email"), body.get("avatar_url"),
                            body.get("role"), body.get("coin_balance", 0),
                            body.get("diamond_balance", 0), json.dumps(body.get("extra", {}))))
            raise Reply(200, {"ok": True})
        m = re.match(r"^/users/(\d+)$", path)
        if method == "GET" and m:
            with state.lock:
                row = db.execute("SELECT * FROM users WHERE id = ?", (int(m.group(1)),)).fetchone()
            if row is None:
                raise Reply(404, {"error": "no such user"})
            user = dict(row)
            user["extra"] = json.loads(user["extra"])
            raise Reply(200, user)
        if method == "POST" and path == "/tokens":
            with state.lock:
                db.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?)", (body["token"], body["user_id"]))
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/tokens/delete":
            with state.lock:
                db.execute("DELETE FROM tokens WHERE token = ?", (body["token"],))
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/gifts":
            with state.lock:
                db.execute("INSERT OR REPLACE INTO gifts VALUES (?, ?, ?, ?)",
                           (body["id"], body["price"], body.get("value", body["price"]),
                            int(bool(body.get("processing_error")))))
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/rooms":
            # {id, owner_id?}: a room of the app, owned by that user (rooms.user_id).
            with state.lock:
                db.execute("INSERT OR IGNORE INTO rooms (id) VALUES (?)", (body["id"],))
                if "owner_id" in body:
                    db.execute("UPDATE rooms SET user_id = ? WHERE id = ?", (body["owner_id"], body["id"]))
            raise Reply(200, {"ok": True})
        m = re.match(r"^/rooms/([^/]+)$", path)
        if method == "GET" and m:
            room_id = urllib.parse.unquote(m.group(1))
            with state.lock:
                room = db.execute("SELECT * FROM rooms WHERE id = ?", (room_id,)).fetchone()
                updates = db.execute("SELECT * FROM room_status_updates WHERE room_id = ? ORDER BY seq",
                                     (room_id,)).fetchall()
            if room is None:
                raise Reply(404, {"error": "no such room"})
            raise Reply(200, {"room": dict(room),
                              "updates": [dict(u, body=json.loads(u["body"])) for u in updates]})
        if method == "GET" and path == "/ledger":
            with state.lock:
                rows = db.execute("SELECT * FROM gift_transactions ORDER BY created_at").fetchall()
            raise Reply(200, [dict(r) for r in rows])
        if method == "GET" and path == "/calls":
            prefix = query.get("path", [""])[0]
            with state.lock:
                calls = [c for c in state.calls if c["path"].startswith(prefix)]
            raise Reply(200, calls)
        if method == "POST" and path == "/calls/clear":
            with state.lock:
                state.calls = []
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/faults":
            fault = {"path": body.get("path"), "count": body.get("count", 1),
                     "status": body.get("status"), "body": body.get("body"),
                     "delay_ms": body.get("delay_ms"), "drop": body.get("drop"),
                     "probability": body.get("probability")}
            if fault["drop"] not in (None, "before", "after"):
                raise Reply(400, {"error": "drop is 'before' or 'after'"})
            if fault["probability"] is not None and not 0 <= fault["probability"] <= 1:
                raise Reply(400, {"error": "probability is between 0 and 1"})
            with state.lock:
                if body.get("seed") is not None:
                    state.random.seed(body["seed"])
                state.faults.append(fault)
            raise Reply(200, {"ok": True})
        if method == "POST" and path == "/faults/clear":
            with state.lock:
                state.faults = []
            raise Reply(200, {"ok": True})
        raise Reply(404, {"error": f"unknown control endpoint {method} {path}"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--internal-key", required=True)
    parser.add_argument("--auto-create-rooms", action="store_true")
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    Handler.state = State(args.internal_key, args.auto_create_rooms, args.db)
    Handler.verbose = args.verbose
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"fake-laravel listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
