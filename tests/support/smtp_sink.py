#!/usr/bin/env python3
"""A real SMTP server used as a sink by the tests (Debian's python3-aiosmtpd).

usage: smtp_sink.py DIR PORT [--hang]

Listens on 127.0.0.1:PORT and writes every message it accepts to DIR/NNNNNN.eml (in the
order received, written whole then renamed, so a reader never sees half a file): one
file per delivery, so a message delivered twice is two files. --hang accepts connections
and never answers (a stuck server). Stops on SIGTERM. Started and stopped by pid by
tests/support/smtp_sink.c.
"""
import os
import signal
import socket
import sys
import threading


def hang(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)  # never answered, never closed


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3 and sys.argv[3] == "--hang":
        hang(port)
        return
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    count = [0]

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            with lock:
                count[0] += 1
                name = os.path.join(directory, "%06d.eml" % count[0])
            tmp = os.path.join(directory, ".tmp-%06d" % count[0])
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, name)
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
