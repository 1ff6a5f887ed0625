from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Alliance, Round


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert not isinstance(user, AnonymousUser), "view must be login_required"
    return user


def alliance_for(request: HttpRequest, slug: str) -> Alliance:
    """The alliance if the user manages it; 404 otherwise (never 403, which
    would confirm that the alliance exists)."""
    return get_object_or_404(Alliance.objects.for_user(user_of(request)), slug=slug)


def round_for(request: HttpRequest, slug: str, number: int) -> Round:
    alliance = alliance_for(request, slug)
    return get_object_or_404(
        Round.objects.select_related("alliance"), alliance=alliance, number=number
    )
