#!/usr/bin/env python3
"""Clients of tests/ops/nginx_front_test.sh, through the nginx front (TLS, a throwaway
certificate: not verified).

  front_client.py ws BASE TOKEN PAYER_TOKEN PAYEE_ID
      A WebSocket on wss://…/ws (Origin: BASE) authenticates with TOKEN and reads "ready";
      then PAYER_TOKEN pays PAYEE_ID (the socket's member) one unit over HTTPS, and the
      socket must receive an event within 5 s. Prints "ready" and the event's kind.
  front_client.py load BASE TOKEN PAYEE_ID STOP_FILE OUT_DIR GET_WORKERS
      GET_WORKERS threads GET /api/v1/users/me and one thread pays PAYEE_ID one unit with a
      fresh Idempotency-Key, each on its own kept-alive HTTPS connection, until STOP_FILE
      exists. Every request appends "status" (000: no answer) to OUT_DIR/get.N, and
      "status key" to OUT_DIR/post.
"""
import asyncio
import http.client
import json
import os
import ssl
import sys
import threading
import urllib.parse
import urllib.request
import uuid

import websockets

CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def pay(base, token, payee, key=None):
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    body = json.dumps({"to_user_id": payee, "units": 1, "description": "front"}).encode()
    req = urllib.request.Request(base + "/api/v1/sel/transactions", data=body, method="POST",
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20, context=CTX) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


async def ws_check(base, token, payer_token, payee):
    url = "wss://" + urllib.parse.urlsplit(base).netloc + "/ws"
    async with websockets.connect(url, ssl=CTX, origin=base, open_timeout=10) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
        print(ready.get("type"))
        status = await asyncio.get_running_loop().run_in_executor(
            None, pay, base, payer_token, payee)
        if status != 201:
            print(f"payment: {status}")
            return 1
        event = json.loads(await asyncio.wait_for(ws.recv(), 5))
        print(event.get("type"), event.get("event"))
    return 0


def worker(base, token, path, out, stop, post_payee=None):
    netloc = urllib.parse.urlsplit(base).netloc
    conn = None
    with open(out, "a", buffering=1) as f:
        while not os.path.exists(stop):
            key = str(uuid.uuid4()) if post_payee else ""
            try:
                if conn is None:
                    conn = http.client.HTTPSConnection(netloc, timeout=20, context=CTX)
                headers = {"Authorization": "Bearer " + token}
                if post_payee:
                    headers.update({"Content-Type": "application/json", "Idempotency-Key": key})
                    body = json.dumps({"to_user_id": post_payee, "units": 1})
                    conn.request("POST", path, body=body, headers=headers)
                else:
                    conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                status = 0
                if conn is not None:
                    conn.close()
                conn = None
            f.write(f"{status:03d} {key}\n" if post_payee else f"{status:03d}\n")


def load(base, token, payee, stop, out_dir, workers):
    threads = [threading.Thread(target=worker, args=(base, token, "/api/v1/users/me",
                                                     os.path.join(out_dir, f"get.{i}"), stop))
               for i in range(workers)]
    threads.append(threading.Thread(target=worker, args=(
        base, token, "/api/v1/sel/transactions", os.path.join(out_dir, "post"), stop, payee)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def main():
    if sys.argv[1] == "ws":
        return asyncio.run(ws_check(*sys.argv[2:6]))
    if sys.argv[1] == "load":
        return load(*sys.argv[2:7], int(sys.argv[7]))
    return 2


if __name__ == "__main__":
    sys.exit(main())
