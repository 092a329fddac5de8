"""Who is asking: the client address every limit counts by (the public forms' and Open311's
rate limits, the APIs' throttles, the login lockout), from the connection and a configured
number of trusted proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address every rate limit counts by. Without a trusted proxy (TRUSTED_PROXY_COUNT
    0) it is the connection's REMOTE_ADDR and X-Forwarded-For is ignored, since any client can
    write it. Behind N trusted proxies, each appending the address it saw, it is the Nth entry
    from the right of X-Forwarded-For (the one the outermost trusted proxy wrote); a shorter
    header means the request skipped proxies, and its leftmost entry is the best known."""
    proxies = settings.TRUSTED_PROXY_COUNT
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    if proxies > 0 and forwarded:
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def login_client_address(request: HttpRequest) -> str | None:
    """The client address for django-axes, which stores it in an IP address column: None when
    it is not one (no address, or a proxy header that is not one)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
