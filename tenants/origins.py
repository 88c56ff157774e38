"""A retailer's allowed origins, written as browsers send them in ``Origin``.

A browser's origin is ``scheme://host[:port]``: lower-case, no path, no trailing slash and no
default port (``https://shop.example``, never ``https://Shop.example:443/``). Origins are saved in
that form, so an origin typed with a trailing slash is not silently refused later, and compared in
that form, so one saved before this rule still works.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tenants.models import Retailer

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalised(value: str) -> str:
    """``value`` as a browser's ``Origin``; raises ``ValueError`` (with the reason) if it is not one."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} has an invalid port.") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{value!r} is not an origin such as https://shop.example.com.")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{value!r}: an origin has no path, query or credentials.")
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def origins_normalised(values: list[str]) -> list[str]:
    """Each origin normalised, in order, without repeats; raises ``ValueError`` at the first bad one."""
    return list(dict.fromkeys(origin_normalised(value) for value in values))


def origin_allowed(*, retailer: Retailer, origin: object) -> bool:
    """Whether ``origin`` (as the browser sent it) is one of the retailer's allowed origins."""
    if not isinstance(origin, str) or not origin:
        return False
    allowed = set()
    for saved in retailer.allowed_origins or []:
        try:
            allowed.add(origin_normalised(saved))
        except ValueError:
            continue
    return origin in allowed
