"""Who may see what: every alliance page asks here first.

A user without a role in the alliance gets 404 (never 403, which would
confirm that the alliance exists). A member whose role does not allow the
page gets 403. Site administrators act as facilitators everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import AccessGrant, Alliance, Partner, Round

Role = AccessGrant.Role
FACILITATOR_ONLY = frozenset({Role.FACILITATOR})
ANY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Access:
    """A user's view of one alliance."""

    alliance: Alliance
    role: str
    partner: Partner | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    @property
    def visible_partners(self) -> frozenset[str] | None:
        """Partner groups this user may see: None means all of them."""
        if self.is_facilitator:
            return None
        return frozenset({self.partner.name} if self.partner else ())


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert not isinstance(user, AnonymousUser), "view must be login_required"
    return user


def may_create_alliances(user: User) -> bool:
    """Site administrators, facilitators of an alliance, and accounts given the
    "add alliance" permission in the admin. Partner leads and observers, whose
    accounts a facilitator can create, cannot start alliances of their own."""
    return (
        user.is_superuser
        or user.has_perm("alliances.add_alliance")
        or AccessGrant.objects.filter(user=user, role=Role.FACILITATOR).exists()
    )


def access_for(
    request: HttpRequest, slug: str, roles: frozenset[str] = FACILITATOR_ONLY
) -> Access:
    user = user_of(request)
    alliance = get_object_or_404(Alliance, slug=slug)
    if user.is_superuser:
        access = Access(alliance, Role.FACILITATOR)
    else:
        grant = (
            AccessGrant.objects.select_related("partner")
            .filter(user=user, alliance=alliance)
            .first()
        )
        if grant is None:
            raise Http404("no such alliance")
        access = Access(alliance, grant.role, grant.partner)
    if access.role not in roles:
        raise PermissionDenied("your role in this alliance does not allow this page")
    return access


def alliance_for(request: HttpRequest, slug: str) -> Alliance:
    """The alliance, for its facilitators (and site administrators) only."""
    return access_for(request, slug).alliance


def round_of(alliance: Alliance, number: int) -> Round:
    rnd = get_object_or_404(Round, alliance=alliance, number=number)
    rnd.alliance = alliance
    return rnd


def round_for(request: HttpRequest, slug: str, number: int) -> Round:
    """A round of an alliance the user facilitates."""
    return round_of(alliance_for(request, slug), number)


def attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service call; its ValidationError becomes an error message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True
