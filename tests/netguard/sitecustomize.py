"""Loaded by every Python process started with this folder on PYTHONPATH (tests only).

An audit hook refuses any connection or name lookup that leaves the machine, and writes
it to ``$NETGUARD_LOG``; loopback and Unix sockets are allowed. The no-network test fails
if the log has a line.
"""

from __future__ import annotations

import os
import socket
import sys
import traceback

_LOG = os.environ.get("NETGUARD_LOG", "")
_LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "", "ip6-localhost"}


def _local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").lower()
    return host in _LOCAL or host.startswith("127.") or host.startswith("::ffff:127.")


def _refuse(what: str) -> None:
    if _LOG:
        stack = "".join(traceback.format_stack(limit=12)[:-2])
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {sys.argv[:2]} {what}\n{stack}\n")
    raise ConnectionRefusedError(f"netguard: outbound connection refused: {what}")


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse(f"connect {address!r}")
    elif event == "socket.getaddrinfo":
        if not _local(args[0]):
            _refuse(f"getaddrinfo {args[0]!r}")
    elif event in ("socket.gethostbyname", "socket.gethostbyname_ex") and not _local(args[0]):
        _refuse(f"{event} {args[0]!r}")


sys.addaudithook(_hook)
if os.environ.get("NETGUARD_SEEN"):  # lets the test prove that each process was guarded
    with open(os.environ["NETGUARD_SEEN"], "a", encoding="utf-8") as seen:
        seen.write(" ".join(sys.argv[1:3]) + "\n")
