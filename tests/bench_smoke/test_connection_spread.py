"""The load generator's keep-alive client replaces its connection every so many answers, so a
window's load is not held by whichever server worker happened to accept its few connections."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bench.loadgen import HttpConnection

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


@contextmanager
def keep_alive_server() -> Iterator[tuple[int, list[int]]]:
    """A server on loopback that answers every request on a connection; the requests answered
    on each connection it accepted, in order."""
    listener = socket.create_server(("127.0.0.1", 0))
    per_connection: list[int] = []

    def serve(conn: socket.socket, slot: int) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                _, buffer = buffer.split(b"\r\n\r\n", 1)
                per_connection[slot] += 1
                conn.sendall(ANSWER)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            per_connection.append(0)
            slot = len(per_connection) - 1
            threading.Thread(target=serve, args=(conn, slot), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], per_connection
    finally:
        listener.close()


def test_the_connection_is_replaced_after_the_set_number_of_answers() -> None:
    with keep_alive_server() as (port, per_connection):
        client = HttpConnection("127.0.0.1", port, requests_per_connection=4)
        raw = client.request_bytes("GET", "/", {})
        answers = [client.call(raw) for _ in range(10)]
        client.close()

    assert [status for status, _, body in answers] == [200] * 10
    assert [body for _, _, body in answers] == [b"ok"] * 10
    assert per_connection == [4, 4, 2]
