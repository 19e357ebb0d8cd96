"""Only the channels can say "an image was uploaded": the upload turn's payload is signed.

Rasa reads a message that starts with ``/`` as an intent with entities; the NLU's
normalizer lets through only the payloads of the domain's buttons and upload payloads
whose ``upload_sig`` entity is the HMAC-SHA256 of the other entities under
``WEB_SESSION_SECRET`` (a random secret of this process when it is unset: the channels and
the NLU run in the one Rasa process). A user who types an upload payload gets it read as
text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

SIGNATURE_ENTITY = "upload_sig"
_PROCESS_SECRET = secrets.token_bytes(32)


def _secret() -> bytes:
    from bot.settings import load_settings

    configured = load_settings().web_session_secret
    return configured.encode() if configured else _PROCESS_SECRET


def _canonical(entities: dict[str, Any]) -> bytes:
    body = {key: value for key, value in entities.items() if key != SIGNATURE_ENTITY}
    return ("upload:" + json.dumps(body, ensure_ascii=False, sort_keys=True)).encode()


def sign(entities: dict[str, Any]) -> dict[str, Any]:
    """``entities`` with their signature added."""
    signature = hmac.new(_secret(), _canonical(entities), hashlib.sha256).hexdigest()
    return {**entities, SIGNATURE_ENTITY: signature}


def signed_payload(text: str, intent: str) -> bool:
    """Whether ``text`` is ``/<intent>{entities}`` with a valid signature."""
    head = f"/{intent}"
    stripped = text.strip()
    if not stripped.startswith(head + "{"):
        return False
    try:
        entities = json.loads(stripped[len(head):])
    except ValueError:
        return False
    if not isinstance(entities, dict) or not isinstance(entities.get(SIGNATURE_ENTITY), str):
        return False
    expected = hmac.new(_secret(), _canonical(entities), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, entities[SIGNATURE_ENTITY])
