"""Getting links to people: absolute URLs, QR codes and e-mail."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Invitation
from .services import IssuedLink


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("scan:resume", args=[token])


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no external service ever sees the link)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, nl=False
    )
    return buffer.getvalue().decode("utf-8")


def send_invitation_emails(links: list[IssuedLink]) -> int:
    """E-mail each participant their own link, in their preferred language."""
    messages = []
    for link in links:
        participant = link.invitation.participant
        rnd = link.invitation.round
        with translation.override(participant.language):
            context = {
                "participant": participant,
                "round": rnd,
                "alliance": rnd.alliance,
                "url": link_url(link.token),
            }
            subject = render_to_string("alliances/email/invitation_subject.txt", context)
            body = render_to_string("alliances/email/invitation_body.txt", context)
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                to=[participant.email],
            )
        )
    connection = get_connection()
    sent = connection.send_messages(messages) or 0
    Invitation.objects.filter(pk__in=[link.invitation.pk for link in links]).update(
        emailed_at=timezone.now()
    )
    return int(sent)
