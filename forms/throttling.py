"""Django REST framework's anonymous rate limit, counting by the same client address as the
public forms' limit (forms.services.client_address)."""

from rest_framework import throttling

from . import services


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request) -> str:
        return services.client_address(request)
