#!/usr/bin/env python3
"""How fast the realtime channel fans an event out (docs/PERFORMANCE.md, "Realtime").

usage: bench/realtime_fanout.py PATH/TO/schoolhub sqlite|postgres [MEMBERS] [SOCKETS_EACH]

One instance with a redis-server of its own. MEMBERS members (registered through the API)
each open SOCKETS_EACH sockets; then, ROUNDS times, one event per member is written in one
transaction and the Redis doorbell rung ("up to id N", as an instance announces its
commits). Printed: the time from the doorbell to the last socket's copy (median and worst
of the rounds), and a resume of 1,000 missed events (auth to the last replayed event).
"""
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "realtime"))
import rt_lib as L  # noqa: E402

ROUNDS = 10


async def main(binary, backend, members, each):
    work = L.work_dir()
    db = L.Database(backend, work)
    redis = L.Redis(work)
    srv = None
    try:
        srv = L.Server(binary, db, work, "bench", REDIS_URL=redis.url,
                       SCHOOLHUB_REALTIME_MAX_SOCKETS=max(5, each),
                       SCHOOLHUB_REALTIME_RECHECK_S=30)  # the default, not the tests' 1 s
        for _ in range(100):
            if redis.subscribers() == 1:
                break
            await asyncio.sleep(0.1)
        stamp = int(time.time())
        users = [srv.register(f"fan.{i}.{stamp}@example.be") for i in range(members)]
        socks = []
        for _, tok in users:
            for _ in range(each):
                ws, _ = await L.authed(srv, tok)
                socks.append(ws)
        ids = "', '".join(u for u, _ in users)
        times = []
        for _ in range(ROUNDS):
            db.sql("INSERT INTO member_events (user_id, kind, data) "
                   f"SELECT id, 'message.created', '{{\"n\":1}}' FROM users WHERE id IN ('{ids}')")
            n = db.sql("SELECT MAX(id) FROM member_events")
            start = time.monotonic()
            redis.cli("PUBLISH", "schoolhub:member_events", n)
            await asyncio.gather(*(L.recv_json(ws, 30) for ws in socks))
            times.append(time.monotonic() - start)
        print(f"fan-out to {len(socks)} sockets ({members} members x {each}), {backend}: "
              f"median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
              "(doorbell to the last socket's copy; includes redis-cli's start)")
        for ws in socks:
            await ws.close()
        uid, tok = users[0]
        ws, ready = await L.authed(srv, tok)
        await ws.close()
        db.add_events(uid, 1000)
        start = time.monotonic()
        ws, ready = await L.authed(srv, tok, last=ready["last_event_id"])
        got = await L.recv_events(ws, 1000, timeout=30)
        took = time.monotonic() - start
        print(f"resume of {len(got)} missed events, {backend}: {took * 1000:.0f} ms "
              "(connect, auth, replay)")
        await ws.close()
    finally:
        if srv is not None:
            srv.stop()
        redis.stop()
        db.close()
        L.remove_work(work)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 200,
                     int(sys.argv[4]) if len(sys.argv) > 4 else 5))
