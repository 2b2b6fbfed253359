#!/usr/bin/env python3
"""The realtime channel, protocol v1 (docs/REALTIME.md), against the real binary:
usage: realtime_test.py PATH/TO/schoolhub sqlite|postgres

One server without Redis (it reads the event log every SCHOOLHUB_REALTIME_POLL_MS), real
WebSocket clients (python3-websockets), events written straight into member_events the
way a module's transaction writes them. Checks: the config's realtime_url and CSP, the
Origin check, auth (bad token, not first, timeout), ping, delivery to the right member
only and in order, resume without gap or duplicate, resync past 1,000, token expiry,
password change (token generation), a slow consumer closed without slowing the others,
the 6th socket, an oversized frame, a stalled account check (PostgreSQL) that holds
nobody else's pings, a lower id committed after a higher one (PostgreSQL).
"""
import asyncio
import json
import subprocess
import sys
import time

import websockets

import rt_lib as L


async def check_config(r, srv):
    status, body, headers = srv.http("GET", "/api/v1/config")
    r.check("config: realtime_url is the socket on this host", status == 200 and
            body.get("realtime_url") == srv.ws_url, f"{status} {body}")
    status, _, headers = srv.http("GET", "/")
    csp = headers.get("Content-Security-Policy", "")
    r.check("app CSP: connect-src adds exactly the socket's origin",
            f"connect-src 'self' ws://127.0.0.1:{srv.ws_port};" in csp, csp)
    status, body, _ = srv.http("GET", "/api/v1/config", headers={"Host": "evil\"host:1"})
    r.check("config: a malformed Host does not reach the URL",
            status == 200 and "evil" not in body.get("realtime_url", ""), f"{body}")


async def check_refusals(r, srv, token):
    ws = await L.connect(srv, origin="http://evil.example")
    r.check("another site's Origin: 4403", await L.closed_with(ws) == 4403)
    ws = await L.connect(srv, origin=None)
    r.check("no Origin: 4403", await L.closed_with(ws) == 4403)
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "auth", "token": token + "x", "last_event_id": None}))
    r.check("a bad token: 4401", await L.closed_with(ws) == 4401)
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "ping"}))
    r.check("anything before auth: 4401", await L.closed_with(ws) == 4401)
    ws = await L.connect(srv)
    await ws.send("not json")
    r.check("not JSON: 4400", await L.closed_with(ws) == 4400)
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": "7"}))
    r.check("a bad last_event_id: 4400", await L.closed_with(ws) == 4400)
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "auth", "token": token, "pad": "y" * 17000}))
    r.check("a message over 16 KiB: 1009", await L.closed_with(ws) == 1009)
    ws = await L.connect(srv)
    start = time.monotonic()
    code = await L.closed_with(ws, timeout=15)
    r.check("no auth within 10 s: 4401", code == 4401 and 9 <= time.monotonic() - start <= 13,
            f"{code} after {time.monotonic() - start:.1f} s")


async def check_delivery(r, srv, db, a, b):
    (a_id, a_tok), (b_id, b_tok) = a, b
    wa, ready = await L.authed(srv, a_tok)
    r.check("auth: ready with the member's position", ready == {"type": "ready",
                                                                "last_event_id": 0}, f"{ready}")
    await wa.send(json.dumps({"type": "ping"}))
    r.check("ping: pong", await L.recv_json(wa) == {"type": "pong"})
    wb, _ = await L.authed(srv, b_tok)
    db.add_events(a_id, 5)
    db.add_events(b_id, 3, kind="announcement.created")
    db.add_events(a_id, 2, kind="read.updated")
    got_a = await L.recv_events(wa, 7)
    got_b = await L.recv_events(wb, 3)
    ids = [e.get("id") for e in got_a]
    r.check("delivery: the member gets exactly their 7 events",
            len(got_a) == 7 and all(e["type"] == "event" for e in got_a), f"{got_a}")
    r.check("ordering: ids increase", ids == sorted(ids) and len(set(ids)) == len(ids), f"{ids}")
    r.check("delivery: kind and data as written",
            [e["event"] for e in got_a] == ["message.created"] * 5 + ["read.updated"] * 2 and
            [e["data"]["n"] for e in got_a] == [1, 2, 3, 4, 5, 1, 2], f"{got_a}")
    r.check("delivery: the other member gets only theirs",
            len(got_b) == 3 and all(e["event"] == "announcement.created" for e in got_b),
            f"{got_b}")
    extra = await L.recv_events(wa, 1, timeout=1)
    r.check("delivery: nothing twice", extra == [], f"{extra}")
    await wb.close()
    return wa, ids[-1]


async def check_resume(r, srv, db, a, wa, last):
    a_id, a_tok = a
    await wa.close()
    db.add_events(a_id, 3, kind="message.edited")
    await asyncio.sleep(0.5)
    ws, ready = await L.authed(srv, a_tok, last=last)
    replay = await L.recv_events(ws, 3)
    ids = [e.get("id") for e in replay]
    r.check("resume: ready, then the 3 missed events in order",
            ready["type"] == "ready" and ready["last_event_id"] == (ids[-1] if ids else None) and
            len(replay) == 3 and ids == sorted(ids) and ids[0] > last and
            all(e["event"] == "message.edited" for e in replay), f"{ready} {replay}")
    db.add_events(a_id, 1, kind="message.deleted")
    live = await L.recv_events(ws, 2, timeout=2)
    r.check("resume: then live events, no gap, no duplicate",
            len(live) == 1 and live[0]["id"] > ids[-1] and live[0]["event"] == "message.deleted",
            f"{live}")
    await ws.close()
    ws, ready = await L.authed(srv, a_tok, last=live[0]["id"])
    r.check("resume when up to date: ready, nothing replayed",
            ready["last_event_id"] == live[0]["id"] and await L.recv_events(ws, 1, 1) == [])
    await ws.close()
    return live[0]["id"]


async def check_resync(r, srv, db, c):
    c_id, c_tok = c
    ws, ready = await L.authed(srv, c_tok)
    await ws.close()
    start = ready["last_event_id"]
    db.add_events(c_id, 1000)
    await asyncio.sleep(0.5)
    ws, ready = await L.authed(srv, c_tok, last=start)
    got = await L.recv_events(ws, 1000, timeout=20)
    ids = [e.get("id") for e in got]
    r.check("resume of exactly 1,000 events: all replayed in order",
            len(got) == 1000 and ids == sorted(ids) and len(set(ids)) == 1000, f"{len(got)}")
    await ws.close()
    db.add_events(c_id, 1001)
    await asyncio.sleep(0.5)
    ws, ready = await L.authed(srv, c_tok, last=ids[-1])
    nxt = await L.recv_events(ws, 2, timeout=2)
    r.check("resume past 1,000: ready then resync, nothing replayed",
            nxt == [{"type": "resync"}] and ready["last_event_id"] > ids[-1] + 1000, f"{nxt}")
    db.add_events(c_id, 1)
    live = await L.recv_events(ws, 1)
    r.check("after resync: live events follow",
            len(live) == 1 and live[0]["id"] > ready["last_event_id"], f"{live}")
    await ws.close()


async def check_token_end(r, srv, db, d):
    d_id, d_tok = d
    gen = int(db.sql(f"SELECT token_generation FROM users WHERE id = '{d_id}'"))
    ws, ready = await L.authed(srv, L.mint_token(d_id, gen, 3))
    r.check("a valid token of the server's key: ready", ready.get("type") == "ready", f"{ready}")
    start = time.monotonic()
    code = await L.closed_with(ws, timeout=10)
    r.check("the token expires: 4401 then", code == 4401 and time.monotonic() - start < 6,
            f"{code}")
    ws, _ = await L.authed(srv, d_tok)
    db.sql(f"UPDATE users SET token_generation = token_generation + 1 WHERE id = '{d_id}'")
    code = await L.closed_with(ws, timeout=5)
    r.check("a password change (token generation): 4401 within the re-check", code == 4401,
            f"{code}")
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "auth", "token": d_tok}))
    r.check("the old token after it: 4401", await L.closed_with(ws) == 4401)
    gen = int(db.sql(f"SELECT token_generation FROM users WHERE id = '{d_id}'"))
    ws, ready = await L.authed(srv, L.mint_token(d_id, gen, 600))
    r.check("a token of the new generation: ready", ready.get("type") == "ready", f"{ready}")
    db.sql(f"UPDATE users SET active = {'false' if db.backend == 'postgres' else 0} "
           f"WHERE id = '{d_id}'")
    code = await L.closed_with(ws, timeout=5)
    r.check("a deactivated account: 4401 within the re-check", code == 4401, f"{code}")


async def check_limits(r, srv, db, e, f):
    e_id, e_tok = e
    f_id, f_tok = f
    socks = [(await L.authed(srv, e_tok))[0] for _ in range(5)]
    ws = await L.connect(srv)
    await ws.send(json.dumps({"type": "auth", "token": e_tok, "last_event_id": None}))
    r.check("the 6th socket of a member: 4429", await L.closed_with(ws) == 4429)
    for s in socks:
        await s.close()
    # A consumer that stops reading: its queue (64 KiB here) overflows and it is closed,
    # while another member's socket keeps receiving at once.
    slow, _ = await L.authed(srv, e_tok, max_queue=1)
    fast, _ = await L.authed(srv, f_tok)
    slow.transport.pause_reading()
    for _ in range(10):
        db.add_events(e_id, 100, pad=15000)
        db.add_events(f_id, 1)
    got = await L.recv_events(fast, 10, timeout=10)
    r.check("a slow consumer does not hold back the others", len(got) == 10, f"{len(got)}")
    await asyncio.sleep(3)
    slow.transport.resume_reading()
    code = await L.closed_with(slow, timeout=20)
    r.check("the slow consumer is closed (4408, or dropped when it cannot be told)",
            code in (4408, 1006), f"{code}")
    await fast.close()


async def check_typing(r, srv, a, b, c):
    """#12: "typing" goes to the conversation's other members only, rate-limited."""
    (a_id, a_tok), (b_id, b_tok), (c_id, c_tok) = a, b, c
    status, conv, _ = srv.http("POST", "/api/v1/conversations",
                               {"kind": "direct", "user_id": b_id}, token=a_tok)
    r.check("typing: a direct conversation A-B by REST", status == 201, f"{status} {conv}")
    cid = conv["id"]
    wa, _ = await L.authed(srv, a_tok)
    wa2, _ = await L.authed(srv, a_tok)
    wb, _ = await L.authed(srv, b_tok)
    wc, _ = await L.authed(srv, c_tok)
    await wa.send(json.dumps({"type": "typing", "conversation_id": cid}))
    got_b = await L.recv_events(wb, 1, timeout=3)
    r.check("typing: A's reaches B with A's user_id",
            got_b == [{"type": "typing", "conversation_id": cid, "user_id": a_id}], f"{got_b}")
    quiet = await asyncio.gather(*(L.recv_events(w, 1, timeout=1) for w in (wa, wa2, wc)))
    r.check("typing: not to the sender's sockets, nor to a non-member",
            quiet == [[], [], []], f"{quiet}")
    await wb.send(json.dumps({"type": "typing", "conversation_id": cid.upper()}))
    got_a = await asyncio.gather(*(L.recv_events(w, 1, timeout=3) for w in (wa, wa2)))
    want = [{"type": "typing", "conversation_id": cid, "user_id": b_id}]
    r.check("typing: B's reaches every socket of A (the id normalised)",
            got_a == [want, want], f"{got_a}")
    for frame in ({"type": "typing", "conversation_id": cid},
                  {"type": "typing", "conversation_id": "0190a4b2-0000-7000-8000-000000000000"},
                  {"type": "typing", "conversation_id": "not-a-uuid"},
                  {"type": "typing"}):
        await wc.send(json.dumps(frame))
    quiet = await asyncio.gather(*(L.recv_events(w, 1, timeout=1.5) for w in (wa, wa2, wb)))
    r.check("typing: a non-member's (or for no conversation) reaches nobody",
            quiet == [[], [], []], f"{quiet}")
    await wc.send(json.dumps({"type": "ping"}))
    r.check("typing: dropped in silence, the socket stays (ping: pong)",
            await L.recv_json(wc) == {"type": "pong"})
    await asyncio.sleep(2.2)
    for _ in range(30):
        await wa.send(json.dumps({"type": "typing", "conversation_id": cid}))
    flood = await L.recv_events(wb, 30, timeout=1.5)
    r.check("typing: a flood of 30 is limited to one per 2 s",
            flood == [{"type": "typing", "conversation_id": cid, "user_id": a_id}], f"{flood}")
    await asyncio.sleep(2.2)
    await wa.send(json.dumps({"type": "typing", "conversation_id": cid}))
    again = await L.recv_events(wb, 2, timeout=1.5)
    r.check("typing: allowed again 2 s later", len(again) == 1, f"{again}")
    for w in (wa, wa2, wb, wc):
        await w.close()


async def check_stalled_auth(r, srv, db, a, b):
    """#12: the database work is off the service loop. Another transaction holds the users
    table (ACCESS EXCLUSIVE, as a slow migration would) until the test lets it go: A's
    account check waits for it, while B, already connected, gets its pongs at once, and so
    does A while it waits. PostgreSQL only (SQLite readers never wait for a writer)."""
    if db.backend != "postgres":
        return
    (_, a_tok), (_, b_tok) = a, b
    wb, _ = await L.authed(srv, b_tok)
    locker = subprocess.Popen(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", db.url],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        locker.stdin.write("BEGIN;\nLOCK TABLE users IN ACCESS EXCLUSIVE MODE;\n"
                           "SELECT 'locked';\n")
        locker.stdin.flush()
        r.check("stalled auth: another transaction holds the users table",
                locker.stdout.readline().strip() == "locked")
        wa = await L.connect(srv)
        await wa.send(json.dumps({"type": "auth", "token": a_tok, "last_event_id": None}))
        await asyncio.sleep(0.3)
        waits = []
        for _ in range(3):
            t = time.monotonic()
            await wb.send(json.dumps({"type": "ping"}))
            try:
                pong = await L.recv_json(wb, timeout=2)
            except asyncio.TimeoutError:
                pong = None
            waits.append(round(time.monotonic() - t, 2) if pong == {"type": "pong"} else None)
        r.check("stalled auth: the other socket's pings answered within 1 s",
                all(w is not None and w < 1.0 for w in waits), f"{waits}")
        await wa.send(json.dumps({"type": "ping"}))
        early = await L.recv_events(wa, 2, timeout=1)
        r.check("stalled auth: its own ping answered while it waits, no ready yet",
                early == [{"type": "pong"}], f"{early}")
        locker.stdin.write("COMMIT;\n")
        locker.stdin.flush()
        ready = await L.recv_events(wa, 1, timeout=5)
        r.check("stalled auth: ready once the lock goes",
                len(ready) == 1 and ready[0].get("type") == "ready", f"{ready}")
        await wa.close()
    finally:
        locker.stdin.close()
        locker.wait(30)
        await wb.close()


class OpenWriter:
    """A psql session whose transaction writes member events and commits (or rolls back)
    when the test says: a late commit of a lower id."""

    def __init__(self, db):
        self.proc = subprocess.Popen(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", db.url],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.say("BEGIN;")

    def say(self, sql):
        self.proc.stdin.write(sql + "\n")
        self.proc.stdin.flush()

    def add_event(self, user_id, n):
        self.say("INSERT INTO member_events (user_id, kind, data) VALUES "
                 f"('{user_id}', 'message.created', '{{\"n\": \"{n}\"}}') RETURNING id;")
        return int(self.proc.stdout.readline())

    def end(self, how):
        self.say(how + ";")
        self.proc.stdin.close()
        self.proc.wait(30)


def commit_event(db, user_id, n):
    return int(db.sql("INSERT INTO member_events (user_id, kind, data) VALUES "
                      f"('{user_id}', 'message.created', '{{\"n\": \"{n}\"}}') RETURNING id"))


async def check_late_commit(r, srv, db, a):
    """#12: no order lock on PostgreSQL's writers, so a lower id may commit after a higher
    one. The member still gets both, in id order, live and on resume; a hole that never
    fills (a rollback) is stepped over. PostgreSQL only (SQLite commits in id order)."""
    if db.backend != "postgres":
        return
    a_id, a_tok = a
    ws, ready = await L.authed(srv, a_tok)
    start = ready["last_event_id"]
    writer = OpenWriter(db)
    try:
        late = writer.add_event(a_id, "late")
        early = commit_event(db, a_id, "early")
        held = await L.recv_events(ws, 1, timeout=0.6)
        r.check("late commit: the higher id waits while the lower one may still commit",
                late < early and held == [], f"{late} {early} {held}")
        resumed, ready2 = await L.authed(srv, a_tok, last=start)
        r.check("late commit: a resume meanwhile stops below the hole",
                ready2["last_event_id"] < late, f"{ready2}")
        writer.end("COMMIT")
        want = [(late, "late"), (early, "early")]
        for w, name in ((ws, "live"), (resumed, "resumed")):
            got = await L.recv_events(w, 2, timeout=3)
            r.check(f"late commit: the {name} socket gets the lower id, then the higher",
                    [(e.get("id"), e.get("data", {}).get("n")) for e in got] == want, f"{got}")
        await resumed.close()
        again, _ = await L.authed(srv, a_tok, last=start)
        got = await L.recv_events(again, 2, timeout=3)
        r.check("late commit: a resume from before both replays them in id order",
                [(e.get("id"), e.get("data", {}).get("n")) for e in got] == want, f"{got}")
        await again.close()
        writer = OpenWriter(db)
        gone = writer.add_event(a_id, "rolled back")
        after = commit_event(db, a_id, "after")
        writer.end("ROLLBACK")
        got = await L.recv_events(ws, 1, timeout=8)
        r.check("late commit: a rolled-back id is stepped over, the next event comes",
                gone < after and [e.get("id") for e in got] == [after], f"{got}")
    finally:
        if writer.proc.poll() is None:
            writer.end("ROLLBACK")
        await ws.close()


def class_conversation(srv, token, klass):
    status, body, _ = srv.http("GET", "/api/v1/conversations", token=token)
    items = body["items"] if status == 200 else []
    return next((c["id"] for c in items if c.get("class_name") == klass), None), body


async def check_class_typing(r, srv, g, h, c):
    """A class conversation's members are derived (guardians of its children): typing too."""
    (g_id, g_tok), (h_id, h_tok), (_, c_tok) = g, h, c
    for tok, name in ((g_tok, "Gil"), (h_tok, "Hanna")):
        status, body, _ = srv.http("POST", "/api/v1/children", {
            "first_name": name, "last_name": "Typing", "class_name": "P3"}, token=tok)
        r.check(f"class typing: a child in P3 ({name})", status == 201, f"{status} {body}")
    cid, body = class_conversation(srv, g_tok, "P3")
    r.check("class typing: the guardian sees P3's conversation", cid is not None, f"{body}")
    wg, _ = await L.authed(srv, g_tok)
    wh, _ = await L.authed(srv, h_tok)
    wc, _ = await L.authed(srv, c_tok)
    await wg.send(json.dumps({"type": "typing", "conversation_id": cid}))
    got = await asyncio.gather(L.recv_events(wh, 1, timeout=3), L.recv_events(wc, 1, timeout=1))
    r.check("class typing: a guardian's reaches the other guardian, not an outsider",
            got == [[{"type": "typing", "conversation_id": cid, "user_id": g_id}], []], f"{got}")
    await wc.send(json.dumps({"type": "typing", "conversation_id": cid}))
    got = await asyncio.gather(L.recv_events(wg, 1, timeout=1.5),
                               L.recv_events(wh, 1, timeout=1.5))
    r.check("class typing: an outsider's reaches nobody", got == [[], []], f"{got}")
    for w in (wg, wh, wc):
        await w.close()


async def check_per_address(r, binary, db, work):
    """SCHOOLHUB_REALTIME_MAX_PER_IP: sockets from one address, authenticated or not."""
    srv = L.Server(binary, db, work, "per-ip", SCHOOLHUB_REALTIME_MAX_PER_IP=2)
    try:
        a = await L.connect(srv)
        b = await L.connect(srv)
        c = await L.connect(srv)
        r.check("a third socket from one address past a cap of 2: 1013",
                await L.closed_with(c) == 1013)
        await a.close()
        await asyncio.sleep(0.3)
        d = await L.connect(srv)
        await d.send(json.dumps({"type": "ping"}))
        r.check("one closed: the address may open another (then the usual checks)",
                await L.closed_with(d) == 4401)
        await b.close()
    finally:
        rc = srv.stop()
        r.check("serve (per-ip) stops cleanly", rc == 0 and not srv.sanitizer_report(),
                f"exit {rc}")


async def main(binary, backend):
    r = L.Results()
    work = L.work_dir()
    db = L.Database(backend, work)
    srv = None
    try:
        srv = L.Server(binary, db, work, "one", SCHOOLHUB_REALTIME_QUEUE_BYTES=65536)
        users = [srv.register(f"rt.{n}.{int(time.time())}@example.be") for n in "abcdefghijk"]
        await check_config(r, srv)
        await check_refusals(r, srv, users[0][1])
        wa, last = await check_delivery(r, srv, db, users[0], users[1])
        await check_resume(r, srv, db, users[0], wa, last)
        await check_resync(r, srv, db, users[2])
        await check_token_end(r, srv, db, users[3])
        await check_limits(r, srv, db, users[4], users[5])
        await check_typing(r, srv, users[6], users[7], users[8])
        await check_class_typing(r, srv, users[9], users[10], users[8])
        await check_stalled_auth(r, srv, db, users[4], users[5])
        await check_late_commit(r, srv, db, users[6])
        await check_per_address(r, binary, db, work)
        ws, _ = await L.authed(srv, users[1][1])
        stopping = asyncio.get_running_loop().run_in_executor(None, srv.stop)
        code = await L.closed_with(ws, timeout=10)
        r.check("the server stops: its sockets close with 1001", code == 1001, f"{code}")
        await stopping
    finally:
        if srv is not None:
            rc = srv.stop()
            r.check("serve stops cleanly", rc == 0, f"exit {rc}")
            r.check("no sanitizer report", not srv.sanitizer_report(), srv.log_path)
        db.close()
    if not r.failed:
        L.remove_work(work)
    else:
        print(f"logs kept in {work}")
    return r.summary(f"realtime ({backend})")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("sqlite", "postgres"):
        sys.exit("usage: realtime_test.py PATH/TO/schoolhub sqlite|postgres")
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
