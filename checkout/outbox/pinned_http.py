"""One HTTP POST to an address decided beforehand, with the name the URL carried.

``requests`` would resolve the host again when it connects, and a name may answer
differently the second time (DNS rebinding). Here the URL handed to ``requests`` carries
the checked IP address, while the request keeps the original name where the other side
needs it: in the ``Host`` header, as the TLS server name (SNI), and as the name the
certificate must match (urllib3's ``server_hostname`` and ``assert_hostname`` pool
arguments, so certificate checking stays urllib3's own).

The session ignores the environment (``trust_env = False``: no ``HTTP(S)_PROXY``, no
``.netrc``, no ``REQUESTS_CA_BUNDLE``), never follows redirects and never retries.
"""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from checkout.outbox.destinations import Destination

# Connect to at most this many of the checked addresses (a name may list IPv6 and IPv4
# and the first may be unreachable); bounded so a delivery stays inside its lease.
MAX_ADDRESSES = 3


class _PinnedHostAdapter(HTTPAdapter):
    """Verifies TLS against ``server_name`` although the URL names an IP address."""

    def __init__(self, server_name: str):
        self._server_name = server_name
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self._server_name
            pool_kwargs["assert_hostname"] = self._server_name
        return host_params, pool_kwargs


def _never_connected(exc: requests.RequestException) -> bool:
    """True when no connection was made, so nothing was sent and another address may be tried."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _url_for(destination: Destination, address: str, target: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{destination.scheme}://{host}:{destination.port}{target}"


def post(destination: Destination, target: str, *, body: bytes, headers: dict[str, str],
         timeout: tuple[float, float], verify: bool | str = True) -> int:
    """POST ``body`` to ``target`` (path and query) at the destination's checked addresses,
    trying the next one only when a connection could not be made. Returns the status code;
    the answer's body is never read. Raises ``requests.RequestException``."""
    last_error: requests.RequestException | None = None
    for address in destination.addresses[:MAX_ADDRESSES]:
        with requests.Session() as session:
            session.trust_env = False
            adapter = _PinnedHostAdapter(destination.host)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                response = session.post(
                    _url_for(destination, address, target), data=body,
                    headers={**headers, "Host": destination.host_header}, allow_redirects=False, stream=True,
                    timeout=timeout, verify=verify,
                )
            except requests.RequestException as exc:
                if not _never_connected(exc):
                    raise
                last_error = exc
                continue
            # Closing without reading: a slow or endless body cannot hold the worker.
            response.close()
            return response.status_code
    assert last_error is not None  # Destination always holds at least one address
    raise last_error
