#!/usr/bin/env python3
"""Two instances on one database and one redis-server (docs/REALTIME.md, "Instances"):
usage: multi_instance_test.py PATH/TO/schoolhub sqlite|postgres PATH/TO/rt_commit

- A socket on instance A gets an event committed by another instance: its commit rings its
  bell, it reads the log and publishes "up to id N" on Redis, A reads the log and delivers.
  No REST route of this build writes events yet (the messages module is being written), so
  the committing instance is rt_commit (tests/realtime/rt_commit.c): the product's own
  sh_event_add, bell, channel and Redis thread, in a process of its own.
- With Redis up, an instance reads the log only every 30 s: an event nobody announces is
  not delivered within 1.5 s (so the doorbell, not a poll, does the work below), but a
  socket that connects reads the log first and gets it (its replay).
- Redis killed: both instances read the log every second; an event still arrives within 2 s.
- Redis back: both subscribe again (with back-off), and delivery goes through Redis again.
- Typing (#12): A's "typing" on instance A reaches B on instance B through Redis's
  schoolhub:typing channel, once, and a socket of B on instance A once too (an instance
  skips its own note coming back).
- Redis hung (SIGSTOP: no EOF, the connections stay open): an instance pings a subscription
  silent for 5 s and gives Redis up 5 s later; the log is read every second again.
"""
import asyncio
import json
import os
import subprocess
import sys
import time

import rt_lib as L

async def wait_for(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(0.1)
    return pred()


async def timed_event(ws, timeout):
    start = time.monotonic()
    got = await L.recv_events(ws, 1, timeout=timeout)
    return got, time.monotonic() - start


async def commit_elsewhere(commit_bin, db, work, redis, uid, kind):
    """rt_commit: one event committed and announced by an instance of its own."""
    data = os.path.join(work, "data-commit")
    os.makedirs(data, exist_ok=True)
    loop = asyncio.get_running_loop()
    out = await loop.run_in_executor(None, lambda: subprocess.run(
        [commit_bin, uid, kind, '{"from":"another instance"}'],
        env=L.server_env(db, data, REDIS_URL=redis.url), capture_output=True, text=True,
        timeout=60))
    return out, int(out.stdout.strip() or 0)


async def check_typing(r, a, b, redis):
    r.check("both instances subscribe to the typing channel",
            await wait_for(lambda: redis.subscribers("schoolhub:typing") == 2, 10))
    stamp = int(time.time())
    x_id, x_tok = a.register(f"rt.typing.x.{stamp}@example.be")
    y_id, y_tok = b.register(f"rt.typing.y.{stamp}@example.be")
    status, conv, _ = a.http("POST", "/api/v1/conversations",
                             {"kind": "direct", "user_id": y_id}, token=x_tok)
    r.check("typing: a direct conversation X-Y", status == 201, f"{status} {conv}")
    wx, _ = await L.authed(a, x_tok)
    wy_b, _ = await L.authed(b, y_tok)
    wy_a, _ = await L.authed(a, y_tok)
    await wx.send(json.dumps({"type": "typing", "conversation_id": conv["id"]}))
    want = [{"type": "typing", "conversation_id": conv["id"], "user_id": x_id}]
    got = await asyncio.gather(L.recv_events(wy_b, 2, timeout=2),
                               L.recv_events(wy_a, 2, timeout=2), L.recv_events(wx, 1, timeout=1))
    r.check("typing on instance A reaches the member on instance B via Redis, once; the "
            "member's socket on A once; not the sender", got == [want, want, []], f"{got}")
    for w in (wx, wy_b, wy_a):
        await w.close()


async def main(binary, backend, commit_bin):
    r = L.Results()
    work = L.work_dir()
    db = L.Database(backend, work)
    redis = a = b = None
    try:
        redis = L.Redis(work)
        # A long poll: with Redis up the instances must not rely on it.
        a = L.Server(binary, db, work, "a", REDIS_URL=redis.url, SCHOOLHUB_REALTIME_POLL_MS=1000)
        b = L.Server(binary, db, work, "b", REDIS_URL=redis.url, SCHOOLHUB_REALTIME_POLL_MS=1000)
        r.check("both instances subscribe to the channel",
                await wait_for(lambda: redis.subscribers() == 2, 10), f"{redis.subscribers()}")
        uid, tok = b.register(f"rt.multi.{int(time.time())}@example.be")
        ws, ready = await L.authed(a, tok)
        r.check("a socket on instance A", ready.get("type") == "ready", f"{ready}")

        db.add_events(uid, 1, kind="message.created")
        got, _ = await timed_event(ws, 1.5)
        r.check("with Redis up, nobody polls: an unannounced event waits", got == [], f"{got}")
        ws2, ready2 = await L.authed(a, tok, last=ready["last_event_id"])
        replay = await L.recv_events(ws2, 1, timeout=2)
        got = await L.recv_events(ws, 1, timeout=2)
        r.check("a socket that connects reads the log first: the unannounced event is replayed "
                "to it (and delivered to the open one)",
                len(replay) == 1 and replay[0]["event"] == "message.created" and
                got == replay, f"{ready2} {replay} {got}")
        await ws2.close()
        await check_typing(r, a, b, redis)

        out, n = await commit_elsewhere(commit_bin, db, work, redis, uid, "conversation.updated")
        got = await L.recv_events(ws, 1, timeout=3)
        r.check("an event committed by another instance reaches the socket on A via Redis",
                out.returncode == 0 and len(got) == 1 and got[0]["id"] == n and
                got[0]["data"] == {"from": "another instance"}, f"{out.stderr} {got}")

        redis.stop()
        await asyncio.sleep(0.3)
        db.add_events(uid, 1, kind="read.updated")
        got, took = await timed_event(ws, 2.5)
        r.check("Redis killed: the event still arrives within 2 s (the database poll)",
                len(got) == 1 and got[0]["event"] == "read.updated" and took <= 2.0,
                f"{got} after {took:.2f} s")
        print(f"note: Redis down, delivery by poll: {took * 1000:.0f} ms")

        redis.start()
        r.check("Redis back: both instances subscribe again",
                await wait_for(lambda: redis.subscribers() == 2, 15), f"{redis.subscribers()}")
        await asyncio.sleep(1.5)  # any poll already under way has passed
        db.add_events(uid, 1, kind="message.edited")
        got, _ = await timed_event(ws, 1.5)
        r.check("Redis back: no polling any more", got == [], f"{got}")
        out, n = await commit_elsewhere(commit_bin, db, work, redis, uid, "message.deleted")
        got = await L.recv_events(ws, 2, timeout=3)
        r.check("Redis back: delivery through Redis again",
                out.returncode == 0 and [e["event"] for e in got] ==
                ["message.edited", "message.deleted"] and got[1]["id"] == n, f"{got}")

        redis.pause(True)
        await asyncio.sleep(11)
        db.add_events(uid, 1, kind="announcement.created")
        got, took = await timed_event(ws, 2.5)
        r.check("Redis hung: given up after its silence, the event arrives within 2 s (poll)",
                len(got) == 1 and got[0]["event"] == "announcement.created" and took <= 2.0,
                f"{got} after {took:.2f} s")
        redis.pause(False)
        r.check("Redis answering again: both instances subscribe again",
                await wait_for(lambda: redis.subscribers() == 2, 15), f"{redis.subscribers()}")
        await ws.close()
    finally:
        for s in (a, b):
            if s is not None:
                rc = s.stop()
                r.check("serve stops cleanly", rc == 0, f"exit {rc}")
                r.check("no sanitizer report", not s.sanitizer_report(), s.log_path)
        if redis is not None:
            redis.stop()
        db.close()
    if not r.failed:
        L.remove_work(work)
    else:
        print(f"logs kept in {work}")
    return r.summary(f"realtime multi-instance ({backend})")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in ("sqlite", "postgres"):
        sys.exit("usage: multi_instance_test.py PATH/TO/schoolhub sqlite|postgres "
                 "PATH/TO/rt_commit")
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3])))
