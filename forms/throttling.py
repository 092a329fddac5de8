"""Django REST framework's anonymous rate limit, counting by the same client address as the
public forms' limit (grid.clients.client_address)."""

from rest_framework import throttling

from grid.clients import client_address


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request) -> str:
        return client_address(request)
