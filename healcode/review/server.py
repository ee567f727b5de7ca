"""Serve the review application with uvicorn on a local socket."""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import TYPE_CHECKING

from healcode.errors import ReviewError

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ReviewError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ReviewError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "is another review running? choose another --port"
        ) from None
    sock.set_inheritable(True)
    return sock


WILDCARDS = ("0.0.0.0", "::", "")


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    if host in WILDCARDS:  # every address of the machine: this one opens it here
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def hosts_for(host: str) -> tuple[str, ...]:
    """The Host header values the application answers to."""
    if host in WILDCARDS:
        return ("*",)  # any name of the machine; the user was warned
    names = ["127.0.0.1", "localhost", "[::1]"]
    if host not in names:
        names.append(f"[{host}]" if ":" in host else host)
    if not is_loopback(host):
        names.append(socket.gethostname())
    return tuple(names)


class ReviewServer:
    """uvicorn serving one application on one bound socket."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        import uvicorn

        self.socket = sock
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", server_header=False
        )
        self.server: uvicorn.Server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until Ctrl-C (in the main thread) or :meth:`stop`."""
        self.server.run(sockets=[self.socket])

    def start_in_thread(self, *, timeout: float = 20) -> None:
        self._thread = threading.Thread(target=self.run, name="healcode-review", daemon=True)
        self._thread.start()
        waited = threading.Event()
        for _ in range(int(timeout * 50)):
            if self.server.started:
                return
            waited.wait(0.02)
        raise ReviewError("the review server did not start in time")

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
