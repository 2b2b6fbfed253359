"""What the realtime tests share: real servers (schoolhub serve), a real redis-server,
the test database (SQLite file or a throwaway PostgreSQL database), accounts made through
the REST API, and a WebSocket client (Debian's python3-websockets).

Every process started here is stopped by its pid at the end, whatever happens.
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import websockets

SECRET = "realtime-test-secret-key-0123456789-abcdefgh"
PASSWORD = "correct horse battery"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def privacy_version():
    with open(os.path.join(ROOT, "src/modules/users/privacy.h")) as f:
        return re.search(r'SH_PRIVACY_VERSION "([^"]+)"', f.read()).group(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, what, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"ok: {what}", flush=True)
        else:
            self.failed.append(what)
            print(f"FAIL: {what} {detail}", flush=True)

    def summary(self, name):
        if self.failed:
            print(f"{name}: {self.passed} passed, {len(self.failed)} failed:")
            for f in self.failed:
                print(f"  {f}")
            return 1
        print(f"{name}: {self.passed} passed")
        return 0


class Database:
    """The test database of one backend, created here and dropped by close()."""

    def __init__(self, backend, work):
        self.backend = backend
        if backend == "sqlite":
            self.path = os.path.join(work, "schoolhub.db")
            self.url = "sqlite:///" + self.path
        else:
            base = os.environ.get("SCHOOLHUB_TEST_PG_URL")
            if not base:
                raise SystemExit("the postgres backend needs SCHOOLHUB_TEST_PG_URL")
            self.admin = base
            self.name = f"sh_rt_{os.getpid()}_{int(time.time() * 1000) % 100000000}"
            self._psql(base, f"CREATE DATABASE {self.name}")
            u = urllib.parse.urlsplit(base)
            self.url = urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + self.name, u.query, ""))

    @staticmethod
    def _psql(url, sql):
        out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"psql: {out.stderr.strip()}")
        return out.stdout.strip()

    def sql(self, sql):
        """Runs "sql" (one statement, values inlined by the caller: test data only);
        returns the first column of the first row as text, or ''."""
        if self.backend == "postgres":
            out = self._psql(self.url, sql)
            return out.splitlines()[0] if out else ""
        con = sqlite3.connect(self.path, timeout=30)
        try:
            cur = con.execute(sql)
            row = cur.fetchone()
            con.commit()
            return "" if row is None or row[0] is None else str(row[0])
        finally:
            con.close()

    def add_events(self, user_id, count, kind="message.created", pad=0):
        """Writes "count" events for the member in one transaction, data {"n": i, "pad": …}."""
        padding = "x" * pad
        if self.backend == "postgres":
            self.sql("INSERT INTO member_events (user_id, kind, data, created_at) "
                     f"SELECT '{user_id}', '{kind}', "
                     f"json_build_object('n', i, 'pad', '{padding}')::text, now() "
                     f"FROM generate_series(1, {count}) AS i")
            return
        con = sqlite3.connect(self.path, timeout=30)
        try:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            con.executemany("INSERT INTO member_events (user_id, kind, data, created_at) "
                            "VALUES (?, ?, ?, ?)",
                            [(user_id, kind, json.dumps({"n": i, "pad": padding}), now)
                             for i in range(1, count + 1)])
            con.commit()
        finally:
            con.close()

    def close(self):
        if self.backend == "postgres":
            try:
                self._psql(self.admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            except Exception as e:  # the test result stands; say why the drop failed
                print(f"note: could not drop {self.name}: {e}")


def server_env(db, data, **env):
    """A known environment: none of the operator's settings leak into the tests."""
    e = {k: v for k, v in os.environ.items()
         if k in ("PATH", "HOME", "LANG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")}
    e.update(SCHOOLHUB_ENV="development", SCHOOLHUB_SECRET_KEY=SECRET,
             SCHOOLHUB_HOST="127.0.0.1", SCHOOLHUB_PORT="0", SCHOOLHUB_REALTIME_PORT="0",
             DATABASE_URL=db.url, SCHOOLHUB_DATA_DIR=data, SCHOOLHUB_THREADS="2",
             SCHOOLHUB_LOG_LEVEL="info", SCHOOLHUB_AUTH_IP_LIMIT="0",
             SCHOOLHUB_REALTIME_POLL_MS="200", SCHOOLHUB_REALTIME_RECHECK_S="1")
    e.update({k: str(v) for k, v in env.items()})
    return e


class Server:
    """schoolhub serve on kernel-chosen ports, its log in the work directory."""

    def __init__(self, binary, db, work, name, **env):
        self.log_path = os.path.join(work, f"serve-{name}.log")
        data = os.path.join(work, f"data-{name}")
        os.makedirs(data, exist_ok=True)
        e = server_env(db, data, **env)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "serve"], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=e)
        self.http_port = self.ws_port = None
        deadline = time.time() + 60
        while time.time() < deadline and self.proc.poll() is None:
            with open(self.log_path) as f:
                text = f.read()
            h = re.search(r"listening on http://[^ ]*:(\d+)", text)
            w = re.search(r"realtime listening on ws://[^ ]*:(\d+)/", text)
            if h and w:
                self.http_port, self.ws_port = int(h.group(1)), int(w.group(1))
                break
            time.sleep(0.05)
        if self.http_port is None:
            self.stop()
            raise RuntimeError(f"serve {name} did not start:\n{open(self.log_path).read()}")
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.ws_url = f"ws://127.0.0.1:{self.ws_port}/"
        self.origin = self.base

    def stop(self):
        """SIGTERM, then the exit status (again: the status, once stopped)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def sanitizer_report(self):
        with open(self.log_path) as f:
            text = f.read()
        return any(s in text for s in ("ERROR: AddressSanitizer", "runtime error:",
                                       "ERROR: LeakSanitizer"))

    def http(self, method, path, body=None, token=None, headers=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                is_json = "json" in r.headers.get("Content-Type", "")
                return r.status, (json.loads(raw) if raw and is_json else None), dict(r.headers)
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, (json.loads(raw) if raw else None), dict(e.headers)

    def register(self, email):
        status, body, _ = self.http("POST", "/api/v1/auth/register", {
            "email": email, "password": PASSWORD, "first_name": "Test", "last_name": "Realtime",
            "privacy_version": privacy_version()})
        if status != 201:
            raise RuntimeError(f"register {email}: {status} {body}")
        return body["user"]["id"], body["access_token"]


def mint_token(user_id, generation, expires_in):
    """An access token signed with the test servers' key, as the server signs them (for
    expiry tests: the server's own tokens live 15 minutes)."""
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = b64(json.dumps({"iss": "schoolhub", "sub": user_id, "typ": "access",
                             "gen": generation, "iat": now, "exp": now + expires_in},
                            separators=(",", ":")).encode())
    sig = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(sig)}"


def close_code(exc):
    rcvd = getattr(exc, "rcvd", None)
    return rcvd.code if rcvd is not None else 1006


async def connect(server, origin="app", **kw):
    o = server.origin if origin == "app" else origin
    return await websockets.connect(server.ws_url, origin=o, open_timeout=10, close_timeout=5,
                                    max_size=1 << 20, **kw)


async def authed(server, token, last=None, **kw):
    """A socket that sent auth and read "ready": (ws, ready message)."""
    ws = await connect(server, **kw)
    await ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": last}))
    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return ws, ready


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_events(ws, count, timeout=10):
    """The next "count" messages (events expected)."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            out.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
        except asyncio.TimeoutError:
            break
    return out


async def closed_with(ws, timeout=10):
    """The close code the server sent, reading (and dropping) what comes before it."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        return close_code(e)
    except asyncio.TimeoutError:
        return None


class Redis:
    """redis-server on a free port in a throwaway directory, stopped by its pid."""

    def __init__(self, work):
        self.port = free_port()
        self.dir = os.path.join(work, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind",
                                      "127.0.0.1", "--dir", self.dir, "--save", "",
                                      "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip()

    def subscribers(self, channel="schoolhub:member_events"):
        lines = self.cli("PUBSUB", "NUMSUB", channel).splitlines()
        return int(lines[1]) if len(lines) == 2 else 0

    def pause(self, paused):
        """SIGSTOP/SIGCONT: a Redis that hangs without closing its connections."""
        self.proc.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


def work_dir():
    return tempfile.mkdtemp(prefix="schoolhub-rt-")


def remove_work(path):
    shutil.rmtree(path, ignore_errors=True)
