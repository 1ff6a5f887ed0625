"""Who has access to an alliance: facilitators, partner leads and observers."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from alliancelens.alliances.history import record
from alliancelens.alliances.models import AccessGrant, Alliance, AuditEvent, Partner

Role = AccessGrant.Role


def _check_last_facilitator(grant: AccessGrant) -> None:
    if grant.role != Role.FACILITATOR:
        return
    # Lock the alliance so two facilitators cannot remove each other at once.
    Alliance.objects.select_for_update().get(pk=grant.alliance_id)
    others = grant.alliance.access_grants.filter(role=Role.FACILITATOR).exclude(pk=grant.pk)
    if not others.exists():
        raise ValidationError(
            _("%(user)s is the only facilitator; give someone else that role first.")
            % {"user": grant.user.get_username()},
            code="last_facilitator",
        )


def set_password_link(user: User, request: HttpRequest) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))


@transaction.atomic
def access_grant(
    *,
    alliance: Alliance,
    email: str,
    name: str,
    role: str,
    partner: Partner | None,
    by: User,
    request: HttpRequest,
) -> AccessGrant:
    """Give access and tell the person by e-mail; someone without an account gets
    one, with a link to set a password."""
    AccessGrant(alliance=alliance, role=role, partner=partner).clean()
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    new_user = user is None
    if user is None:
        user = User(username=_free_username(email), email=email, first_name=name.strip()[:150])
        user.set_unusable_password()
        user.save()
    if AccessGrant.objects.filter(user=user, alliance=alliance).exists():
        raise ValidationError(
            _("%(email)s already has access to this alliance; change the role below.")
            % {"email": email},
            code="exists",
        )
    grant = AccessGrant.objects.create(user=user, alliance=alliance, role=role, partner=partner)
    record(
        alliance,
        AuditEvent.Action.MEMBER_ADDED,
        by,
        user=user.get_username(),
        role=role,
        partner=partner.name if partner else None,
    )
    # Everyone gets an e-mail, new or not: the page then says the same in both
    # cases, so it cannot be used to find out who has an account here.
    context = {
        "alliance": alliance,
        "by": by.get_full_name() or by.get_username(),
        "role": grant.get_role_display(),
        "username": user.get_username(),
        "link": set_password_link(user, request) if new_user else "",
        "login": request.build_absolute_uri(reverse("login")),
    }
    with translation.override(translation.get_language() or "nl"):
        send_mail(
            _("You have access to %(alliance)s in AllianceLens") % {"alliance": alliance},
            render_to_string("registration/welcome_email.txt", context),
            None,
            [email],
        )
    return grant


def _free_username(email: str) -> str:
    """The e-mail address, or with a number added when that name is taken."""
    candidate, n = email[:150], 2
    while User.objects.filter(username__iexact=candidate).exists():
        suffix = f"-{n}"
        candidate, n = email[: 150 - len(suffix)] + suffix, n + 1
    return candidate


@transaction.atomic
def access_change(
    *, grant: AccessGrant, role: str, partner: Partner | None, by: User
) -> AccessGrant:
    if role != Role.FACILITATOR:
        _check_last_facilitator(grant)
    grant.role, grant.partner = role, partner
    grant.clean()
    grant.save()
    record(
        grant.alliance,
        AuditEvent.Action.MEMBER_CHANGED,
        by,
        user=grant.user.get_username(),
        role=role,
        partner=partner.name if partner else None,
    )
    return grant


@transaction.atomic
def access_revoke(*, grant: AccessGrant, by: User) -> None:
    _check_last_facilitator(grant)
    record(
        grant.alliance,
        AuditEvent.Action.MEMBER_REMOVED,
        by,
        user=grant.user.get_username(),
        role=grant.role,
    )
    grant.delete()
