"""Keep the previewed program offline: no cloud credentials in its environment, no outgoing connections.

The preview runs the project's own code. It runs it in a child process whose environment has every cloud
credential variable removed and whose ``HOME`` is an empty folder (so ``~/.aws``, ``~/.azure`` and
``~/.config/gcloud`` are out of reach). In that process every outgoing IPv4/IPv6 connection and every name
lookup raises :class:`PreviewOfflineError`; on Linux the process also gets a network namespace of its own
where the kernel allows it, so the program's own subprocesses have no network either.
"""

import ctypes
import ipaddress
import os
import socket
import sys
from collections.abc import Mapping
from typing import Any, Callable

__all__ = ["PreviewOfflineError", "isolate_network", "offline_environment", "refuse_network"]

# Variables that carry cloud or deployment credentials, or tell an SDK where to find them.
_CREDENTIAL_PREFIXES = (
    "AWS_",
    "AZURE_",
    "ARM_",
    "MSI_",
    "IDENTITY_",
    "GOOGLE_",
    "GCLOUD_",
    "CLOUDSDK_",
    "GCP_",
    "ACTIONS_ID_TOKEN_",
    "ACTIONS_RUNTIME_",
    "PULUMI_",
    "AI_KEYS_PREVIEW_SECRET_",  # handed to the program as secret config instead
)
_CREDENTIAL_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "API_KEY", "APIKEY", "ACCESS_KEY")
_HOME_VARIABLES = ("HOME", "USERPROFILE")

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


class PreviewOfflineError(ConnectionRefusedError):
    """Raised in the previewed program when it tries to reach the network: the preview is offline."""


def is_credential(name: str) -> bool:
    """Whether an environment variable named ``name`` is removed from the program's environment."""
    upper = name.upper()
    return upper.startswith(_CREDENTIAL_PREFIXES) or any(word in upper for word in _CREDENTIAL_WORDS)


def offline_environment(environ: Mapping[str, str], home: str) -> dict[str, str]:
    """``environ`` without credential variables, with ``HOME`` (and ``USERPROFILE``) set to ``home``."""
    kept = {name: value for name, value in environ.items() if not is_credential(name)}
    for name in _HOME_VARIABLES:
        kept[name] = home
    # Programs and their subprocesses that use a proxy get one that refuses every connection.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        kept[name] = "http://127.0.0.1:9"
    kept.pop("NO_PROXY", None)
    kept.pop("no_proxy", None)
    return kept


def isolate_network() -> bool:
    """Move this process into a network namespace of its own (Linux; best effort). Call before any thread starts.

    Returns whether it worked; the Python-level refusal (:func:`refuse_network`) applies either way.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        uid, gid = os.geteuid(), os.getegid()
        if uid == 0 and libc.unshare(_CLONE_NEWNET) == 0:
            return True
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return False
        # Map this user to itself, so files keep their owner inside the new user namespace.
        for file, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{file}", "w", encoding="ascii") as handle:
                handle.write(text)
        return True
    except OSError:
        return False


def refuse_network() -> None:
    """Make every IPv4/IPv6 connection, datagram and name lookup in this process raise :class:`PreviewOfflineError`."""
    inet = {socket.AF_INET, socket.AF_INET6}

    def guard(method: Callable[..., Any], verb: str) -> Callable[..., Any]:
        def refused(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
            if self.family in inet:
                raise PreviewOfflineError(_message(f"{verb} {_address(args)}"))
            return method(self, *args, **kwargs)

        return refused

    for name, verb in (("connect", "connect to"), ("connect_ex", "connect to"), ("sendto", "send to"), ("sendmsg", "send to")):
        setattr(socket.socket, name, guard(getattr(socket.socket, name), verb))

    numeric_lookup = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        # A literal address needs no lookup (and then the connection's own refusal says where it was going).
        if host is None or _is_address(host):
            return numeric_lookup(host, port, *args, **kwargs)
        raise PreviewOfflineError(_message(f"look up {host!r}"))

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise PreviewOfflineError(_message(f"look up {host!r}"))

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = lookup
    socket.gethostbyname_ex = lookup


def _is_address(host: Any) -> bool:
    text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _address(args: tuple[Any, ...]) -> str:
    address = args[-1] if args else None
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return repr(address)


def _message(what: str) -> str:
    return f"the preview is offline: the program tried to {what}; nothing may leave the machine during a preview"
