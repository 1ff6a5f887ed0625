"""An e-mail backend whose server refuses addresses containing "refuse"."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if any("refuse" in to for to in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        sent = super().send_messages(messages)
        assert len(mail.outbox) >= sent
        return sent
