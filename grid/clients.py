"""Who is asking, and how often: the client address every limit counts by (the public forms',
tracking pages' and Open311's rate limits, the APIs' throttles, the login lockout), from the
connection and a configured number of trusted proxies; and the counter those limits share."""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle


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


def allow(scope: str, client: str, limit: int, window: int) -> bool:
    """Count one attempt of this client at this kind of request in the cache (shared by every
    app server when Redis is configured); False once more than `limit` were made within
    `window` seconds. A limit of 0 or less turns the count off."""
    if limit <= 0:
        return True
    key = f"limits:{scope}:" + hashlib.sha256(client.encode()).hexdigest()
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts <= limit


class ClientRateThrottle(AnonRateThrottle):
    """Django REST framework's anonymous rate (`API_ANON_RATE`), counted per client address
    for every caller, signed in or not: a session cookie buys no fresh allowance."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
