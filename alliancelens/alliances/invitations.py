"""Getting links to people: absolute URLs, QR codes and e-mail."""

from __future__ import annotations

import io
import logging
import smtplib
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Invitation
from .services import invitations_issue

log = logging.getLogger(__name__)


def link_url(token: str, request: HttpRequest | None = None) -> str:
    """The personal link; from the request when there is one, else SITE_URL."""
    path = reverse("scan:resume", args=[token])
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no external service ever sees the link)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, nl=False, omitsize=True
    )
    return buffer.getvalue().decode("utf-8")


class _NotSent(Exception):
    pass


@dataclass
class MailReport:
    sent: list[Invitation] = field(default_factory=list)
    failed: list[Invitation] = field(default_factory=list)


def email_invitations(invitations: list[Invitation], request: HttpRequest) -> MailReport:
    """Issue a fresh link to each participant and e-mail it in their language.

    Each invitation gets its new link only if its message was accepted by the
    mail server: when sending fails, that invitation keeps its earlier link,
    so a mail outage never leaves people without a working link.
    """
    report = MailReport()
    connection = get_connection()
    for invitation in invitations:
        try:
            with transaction.atomic():
                (link,) = invitations_issue(
                    invitations=[invitation], by=getattr(request, "user", None)
                )
                message = _message(invitation, link_url(link.token, request))
                if connection.send_messages([message]) != 1:
                    raise _NotSent
                invitation.emailed_at = timezone.now()
                invitation.save(update_fields=["emailed_at"])
        except (_NotSent, smtplib.SMTPException, OSError) as exc:
            log.warning("invitation %s not e-mailed: %r", invitation.pk, exc)
            invitation.refresh_from_db()
            report.failed.append(invitation)
        else:
            report.sent.append(invitation)
    return report


def _message(invitation: Invitation, url: str) -> EmailMessage:
    participant = invitation.participant
    rnd = invitation.round
    with translation.override(participant.language):
        context = {"participant": participant, "round": rnd, "alliance": rnd.alliance, "url": url}
        subject = render_to_string("alliances/email/invitation_subject.txt", context)
        body = render_to_string("alliances/email/invitation_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[participant.email])
