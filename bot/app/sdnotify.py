"""systemd's notification protocol (sd_notify), without a dependency: one datagram per message.

systemd sets ``NOTIFY_SOCKET`` for a ``Type=notify`` service, and ``WATCHDOG_USEC`` (with
``WATCHDOG_PID``) when the unit has ``WatchdogSec=``. Elsewhere (a terminal, a container,
the tests) every call here does nothing and returns False.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def _address() -> str | None:
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return None
    # An abstract socket is written with a leading "@" and addressed with a leading NUL.
    return "\0" + address[1:] if address.startswith("@") else address


def notify(*fields: str) -> bool:
    """Send ``READY=1``, ``WATCHDOG=1``, ``STATUS=...`` and the like; return whether sent."""
    address = _address()
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            # Never wait: a reader that has stopped reading (its queue full) must not block
            # the event loop; a message it would not read anyway is dropped.
            sock.setblocking(False)
            sock.connect(address)
            sock.send("\n".join(fields).encode("utf-8"))
    except OSError as exc:  # systemd gone, busy, or the socket unusable: not worth stopping for
        log.debug("sd_notify to %s failed: %s", address, exc)
        return False
    return True


def watchdog_seconds() -> float | None:
    """Return the watchdog timeout systemd set for this process, or None without one."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # meant for another process (a parent shell)
        return None
    return int(usec) / 1_000_000
