"""OAuth tokens at rest: a KMS envelope, so the connections table never holds a usable token.

Each seal asks KMS for a fresh data key (GenerateDataKey) and encrypts the tokens locally with
AES-256-GCM; only the KMS-encrypted copy of the key is stored beside the ciphertext. The encryption
context ({tenant_id, provider}) is bound twice: KMS refuses to decrypt the data key under another
context, and the same bytes are the GCM associated data, so a sealed blob copied onto another
tenant's row cannot be opened there.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from fieldbooks.domain.credentials import OAuthTokens
from fieldbooks.domain.errors import AuthExpired

FORMAT = "v1"
NONCE_BYTES = 12  # the GCM standard nonce; random per seal, and each data key seals once anyway


def seal(tokens: OAuthTokens, kms_key_id: str, context: dict[str, str], kms: Any) -> str:
    data_key = kms.generate_data_key(KeyId=kms_key_id, KeySpec="AES_256", EncryptionContext=context)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key["Plaintext"]).encrypt(nonce, tokens.model_dump_json().encode(), _aad(context))
    return ".".join([FORMAT, *(_b64(part) for part in (data_key["CiphertextBlob"], nonce, ciphertext))])


def unseal(sealed: str, context: dict[str, str], kms: Any) -> OAuthTokens:
    """A blob that does not open is as good as no token: the tenant must reconnect."""
    try:
        version, wrapped_key, nonce, ciphertext = sealed.split(".")
        if version != FORMAT:
            raise ValueError(f"unknown sealed-token format {version!r}")
        data_key = kms.decrypt(CiphertextBlob=_unb64(wrapped_key), EncryptionContext=context)["Plaintext"]
        plaintext = AESGCM(data_key).decrypt(_unb64(nonce), _unb64(ciphertext), _aad(context))
        return OAuthTokens.model_validate_json(plaintext)
    except (ValueError, InvalidTag, ValidationError) as error:
        raise AuthExpired("The stored sign-in for this connection cannot be read; reconnect.") from error
    except ClientError as error:
        if error.response["Error"]["Code"] in ("InvalidCiphertextException", "IncorrectKeyException"):
            raise AuthExpired("The stored sign-in for this connection cannot be read; reconnect.") from error
        raise


def token_context(tenant_id: str, provider: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "provider": provider}


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
