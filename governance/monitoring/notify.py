"""Alert notifications: an email to the owning team and a Slack-compatible webhook, signed.

Each state change worth telling (opened, resolved) gets one AlertNotification row per channel in
the transaction that changed the state; `governance.tasks.alert_notification_task` delivers it
after the commit and retries it with exponential backoff, so a slow or failing receiver never
holds up a run or a sweep.

The webhook body is JSON (`text` and `attachments` as Slack's incoming webhooks read them, and a
`mesh` object with the structured facts). With a team `webhook_secret`, the header
`X-Mesh-Signature: sha256=<hex>` carries HMAC-SHA256 of the exact body bytes under that secret;
receivers recompute it and compare in constant time (`signature_valid`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from catalog.models import TeamMembership, TeamRole

from ..models import AlertEvent, AlertEventKind, AlertNotification, NotificationChannel, NotificationStatus

SIGNATURE_HEADER = "X-Mesh-Signature"
NOTIFIED_KINDS = (AlertEventKind.OPENED, AlertEventKind.RESOLVED)
COLORS = {"critical": "#b3261e", "error": "#d9480f", "warning": "#e8a317", "info": "#1c7ed6"}


class DeliveryError(Exception):
    """A delivery failed in a way worth retrying (connection, timeout, 5xx, 429)."""


class PermanentDeliveryError(Exception):
    """The receiver refused the delivery (4xx): retrying would not help."""


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, secret: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(body, secret), header)


def _recipients(team) -> list[str]:
    owners = TeamMembership.objects.filter(team=team, role=TeamRole.PRODUCT_OWNER).exclude(user__email="")
    emails = [team.contact] if team.contact else []
    emails += [m.user.email for m in owners.select_related("user")]
    return sorted(set(emails))


def notifications_queue(events: list[AlertEvent]) -> list[int]:
    """Create the deliveries of `events` and enqueue them on commit; returns their ids."""
    from ..tasks import alert_notification_task

    rows = []
    for event in events:
        if event.kind not in NOTIFIED_KINDS:
            continue
        team = event.alert.product.owning_team
        if team.webhook_url:
            rows.append(
                AlertNotification(event=event, channel=NotificationChannel.WEBHOOK, target=team.webhook_url)
            )
        recipients = _recipients(team)
        if recipients and settings.MESH_ALERT_EMAILS:
            rows.append(
                AlertNotification(event=event, channel=NotificationChannel.EMAIL, target=",".join(recipients))
            )
    if not rows:
        return []
    AlertNotification.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        AlertNotification.objects.filter(
            event__in=[e.pk for e in events], status=NotificationStatus.PENDING
        ).values_list("pk", flat=True)
    )

    def enqueue():
        for pk in ids:
            alert_notification_task.delay(pk)

    transaction.on_commit(enqueue, robust=True)
    return ids


def _product_url(product) -> str:
    return f"{settings.MESH_PUBLIC_URL.rstrip('/')}/products/{product.domain.name}/{product.name}/"


def payload(event: AlertEvent) -> dict:
    alert = event.alert
    product = alert.product
    verb = "opened" if event.kind == AlertEventKind.OPENED else event.kind
    title = f"[{alert.severity.upper()}] {product.ref}: {alert.rule_type} alert {verb}"
    text = event.note or alert.message
    return {
        "text": f"{title}\n{alert.condition}: {text}",
        "attachments": [
            {
                "color": COLORS.get(alert.severity, "#868e96") if verb == "opened" else "#2b8a3e",
                "title": title,
                "title_link": _product_url(product),
                "text": text,
                "fields": [
                    {"title": "Rule", "value": alert.condition, "short": True},
                    {"title": "State", "value": alert.state, "short": True},
                ],
                "ts": int(event.at.timestamp()),
            }
        ],
        "mesh": {
            "event": f"alert.{event.kind}",
            "event_id": event.pk,
            "alert_id": alert.pk,
            "product": product.ref,
            "rule_type": alert.rule_type,
            "rule_key": alert.rule_key,
            "condition": alert.condition,
            "severity": alert.severity,
            "state": alert.state,
            "value": event.value if event.value is not None else alert.last_value,
            "threshold": alert.threshold,
            "at": event.at.isoformat(),
            "url": _product_url(product),
        },
    }


def webhook_post(*, url: str, body: bytes, secret: str, delivery_id: int) -> int:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mesh-portal",
        "X-Mesh-Delivery": str(delivery_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    if not url.startswith(("http://", "https://")):
        raise PermanentDeliveryError(f"{url} is not an http(s) URL")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=settings.MESH_WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 425, 429) or exc.code >= 500:
            raise DeliveryError(f"HTTP {exc.code} from {url}") from exc
        raise PermanentDeliveryError(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def notification_deliver(*, notification_id: int) -> str:
    """Deliver one notification; idempotent (a sent one is not sent again). Raises
    DeliveryError for the task to retry; records every attempt on the row."""
    n = (
        AlertNotification.objects.select_related(
            "event__alert__product__domain", "event__alert__product__owning_team"
        )
        .filter(pk=notification_id)
        .first()
    )
    if n is None or n.status != NotificationStatus.PENDING:
        return n.status if n else "missing"
    AlertNotification.objects.filter(pk=n.pk).update(attempts=n.attempts + 1)
    body = payload(n.event)
    try:
        if n.channel == NotificationChannel.WEBHOOK:
            raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
            code = webhook_post(
                url=n.target,
                body=raw,
                secret=n.event.alert.product.owning_team.webhook_secret,
                delivery_id=n.pk,
            )
        else:
            send_mail(
                subject=body["attachments"][0]["title"],
                message=f"{body['text']}\n\n{body['mesh']['url']}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=n.target.split(","),
            )
            code = None
    except PermanentDeliveryError as exc:
        AlertNotification.objects.filter(pk=n.pk).update(
            status=NotificationStatus.FAILED, last_error=str(exc)
        )
        return NotificationStatus.FAILED
    except DeliveryError as exc:
        AlertNotification.objects.filter(pk=n.pk).update(last_error=str(exc)[:2000])
        raise
    except OSError as exc:  # SMTP and socket errors of the mail backend
        AlertNotification.objects.filter(pk=n.pk).update(last_error=str(exc)[:2000])
        raise DeliveryError(str(exc)) from exc
    AlertNotification.objects.filter(pk=n.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), response_status=code, last_error=""
    )
    return NotificationStatus.SENT


def notification_give_up(*, notification_id: int) -> None:
    AlertNotification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.FAILED
    )
