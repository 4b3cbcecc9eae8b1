"""Sending one message on one channel: e-mail through Django's SMTP settings, and the group robots
of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) in their own JSON formats. A failure raises
SendError with what the other side said; kehu.notify.delivery retries and logs it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from kehu.notify.render import Message

HTTP_TIMEOUT = 10  # seconds; a slow robot must not hold a sender for long


class SendError(Exception):
    pass


def send_email(address: str, message: Message) -> None:
    body = message.body + (f"\n\n{message.url}" if message.url else "")
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 20)
    try:
        EmailMessage(subject=message.title, body=body, to=[address], connection=connection).send()
    except Exception as exc:  # smtplib and socket errors alike: the delivery log keeps the text
        raise SendError(f"e-mail to {address}: {exc}") from exc


def robot_text(message: Message) -> str:
    return "\n".join(part for part in (message.title, message.body, message.url) if part)


def wecom_payload(message: Message) -> dict:
    return {"msgtype": "text", "text": {"content": robot_text(message)}}


def dingtalk_payload(message: Message) -> dict:
    return {"msgtype": "text", "text": {"content": robot_text(message)}}


def feishu_payload(message: Message) -> dict:
    return {"msg_type": "text", "content": {"text": robot_text(message)}}


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, in the query."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu 签名校验: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message, base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _post_json(url: str, payload: dict) -> dict:
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}: {exc.read()[:300]!r}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(str(exc)) from exc
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise SendError(f"not JSON: {raw[:300]!r}") from exc


def send_robot(kind: str, url: str, secret: str, message: Message) -> None:
    if kind == "wecom":
        answer = _post_json(url, wecom_payload(message))
        code = answer.get("errcode", 0)
    elif kind == "dingtalk":
        answer = _post_json(dingtalk_signed_url(url, secret) if secret else url, dingtalk_payload(message))
        code = answer.get("errcode", 0)
    elif kind == "feishu":
        payload = feishu_payload(message)
        if secret:
            timestamp = int(time.time())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
        answer = _post_json(url, payload)
        code = answer.get("code", answer.get("StatusCode", 0))
    else:
        raise SendError(f"unknown robot {kind!r}")
    if code not in (0, "0", None):
        raise SendError(f"{kind} answered {json.dumps(answer, ensure_ascii=False)[:300]}")
