"""The product's URLs plus a bare one-insert view: the floor bench_save.py measures against."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from alliancelens.alliances.models import AuditEvent
from alliancelens.urls import urlpatterns as product


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    """One row written, nothing read: what any Django view that saves costs at least."""
    AuditEvent.objects.create(alliance_id=int(request.GET["a"]), action="round_opened")
    return HttpResponse(status=204)


urlpatterns = [path("bench/insert/", insert), *product]
