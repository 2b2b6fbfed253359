#!/usr/bin/env python3
"""A real SMTP server used as a sink by the tests (Debian's python3-aiosmtpd).

usage: smtp_sink.py DIR PORT [--hang]

Listens on 127.0.0.1:PORT (0: a port the kernel picks) and writes every message it accepts
to DIR/NNNNNN.eml (in the order received, written whole then renamed, so a reader never sees
half a file): one file per delivery, so a message delivered twice is two files. Once it
listens, it writes the port to DIR/.port (renamed into place): the caller reads the port
there instead of choosing one beforehand, because a port found free and then bound by this
process a second later may have been taken by another process meanwhile (the caller would
then talk to a stranger; see tests/support/smtp_sink.c). --hang accepts connections and
never answers (a stuck server). Stops on SIGTERM. Started and stopped by pid by
tests/support/smtp_sink.c.
"""
import os
import signal
import socket
import sys


def listen(directory, port):
    """A listening socket on 127.0.0.1:port, its port published in directory/.port."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    tmp = os.path.join(directory, ".port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, os.path.join(directory, ".port"))
    return srv


def hang(srv):
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)  # never answered, never closed


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    srv = listen(directory, port)
    if len(sys.argv) > 3 and sys.argv[3] == "--hang":
        hang(srv)
        return
    import asyncio
    from aiosmtpd.smtp import SMTP

    count = [0]

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            count[0] += 1  # one event loop thread: no lock needed
            name = os.path.join(directory, "%06d.eml" % count[0])
            tmp = os.path.join(directory, ".tmp-%06d" % count[0])
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, name)
            return "250 OK"

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sink = Sink()
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(sink, hostname="127.0.0.1"), sock=srv))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.run_forever()
    server.close()
    loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    main()
