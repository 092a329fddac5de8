"""The provider's delivery reports. The address holds a secret (`SMS_STATUS_TOKEN`) given only
to the provider's console: without it, or with a wrong one, the address does not exist."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .backends import get_backend


@csrf_exempt
@require_POST
def delivery_reports(request: HttpRequest, token: str) -> JsonResponse:
    expected = settings.SMS_STATUS_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    try:
        reports = get_backend().reports(request.body)
    except ValueError as error:
        return JsonResponse({"result": 1, "errmsg": str(error)}, status=400)
    services.record_reports(reports)
    return JsonResponse({"result": 0, "errmsg": "OK"})
