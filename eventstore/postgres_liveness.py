"""How soon each end of a PostgreSQL connection gives up on a peer that vanished without a word.

A host that falls off the network (or freezes) sends no FIN and no RST. Left to the kernel's
defaults, the server keeps that host's session for about two hours (keepalives) or a quarter of
an hour (retransmissions), and with it every lock its open transaction holds: one app host cut
off in the middle of a save would stop every other host's writes, table creation and view
catch-up for as long. Every connection the service opens, pooled or not, therefore asks both
ends to give up within seconds:

* keepalives probe a connection that has been idle a few seconds (an idle session in an open
  transaction is exactly the dangerous one);
* the TCP user timeout bounds how long sent data may stay unacknowledged (keepalives are sent
  only on an idle connection);
* the server also looks at the client's socket while a statement runs (or waits for a lock, or
  for the standby to confirm a commit), so a session whose peer is gone ends there too,
  instead of finishing work nobody will read and keeping its locks meanwhile (PostgreSQL 14+).

The client side goes in libpq's parameters, the server side in the session's startup options
(these settings may be set by any user).
"""

from __future__ import annotations

from typing import Any

KEEPALIVE_IDLE_S = 5
KEEPALIVE_INTERVAL_S = 2
KEEPALIVE_COUNT = 3
# A peer is given up this long after it last acknowledged anything (milliseconds).
TCP_USER_TIMEOUT_MS = 10_000
CLIENT_CHECK_MS = 2_000

SERVER_SIDE: dict[str, int] = {
    "tcp_keepalives_idle": KEEPALIVE_IDLE_S,
    "tcp_keepalives_interval": KEEPALIVE_INTERVAL_S,
    "tcp_keepalives_count": KEEPALIVE_COUNT,
    "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
    "client_connection_check_interval": CLIENT_CHECK_MS,
}


def with_silent_peer_timeouts(libpq: dict[str, Any]) -> dict[str, Any]:
    """`libpq` with both ends' timeouts for a silent peer added (startup options already in it
    are kept; ones it sets itself win)."""
    server = " ".join(f"-c {name}={value}" for name, value in SERVER_SIDE.items())
    options = " ".join(part for part in (server, libpq.get("options") or "") if part)
    return {
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_S,
        "keepalives_interval": KEEPALIVE_INTERVAL_S,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        **libpq,
        "options": options,
    }
