"""Sending e-mail: SMTP when configured, files under var/outbox/ in development, a loud 503 otherwise."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

from api.core.config import Settings
from api.core.errors import ServiceUnavailable

logger = logging.getLogger("postwright.mail")


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message (the recipient is logged, the body never is: it holds tokens)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(body)
    if settings.smtp_host:
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username and settings.smtp_password is not None:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ServiceUnavailable(
                f"The mail server did not take the message ({type(exc).__name__})."
            ) from exc
    elif settings.environment != "production":
        outbox = settings.var_dir / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_bytes(bytes(message))
    else:
        raise ServiceUnavailable("E-mail delivery is not configured: set SMTP_HOST (and SMTP_USERNAME, ...).")
    logger.info("mail sent", extra={"to": to, "subject": subject})


def outbox_messages(settings: Settings) -> list[str]:
    """The development outbox, oldest first (tests and local use)."""
    outbox = settings.var_dir / "outbox"
    return [path.read_text() for path in sorted(outbox.glob("*.eml"))] if outbox.exists() else []
