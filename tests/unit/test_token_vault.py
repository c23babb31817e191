"""The KMS envelope on moto's KMS: tokens round-trip, and nothing else opens them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from fieldbooks.domain.errors import AuthExpired
from fieldbooks.security.token_vault import OAuthTokens, seal, token_context, unseal

TOKENS = OAuthTokens(
    access_token="eyJ-access-token-value",
    refresh_token="RT1-refresh-token-value",
    expires_at=datetime(2026, 11, 21, 12, tzinfo=UTC),
    refresh_expires_at=datetime(2026, 11, 21, 12, tzinfo=UTC) + timedelta(days=100),
)
CONTEXT = token_context("t-acme", "quickbooks_online")


@pytest.fixture
def kms(aws):  # noqa: ANN001, ANN201 - fixtures
    return boto3.client("kms")


@pytest.fixture
def key_id(aws) -> str:  # noqa: ANN001
    return aws.resolver.refs["TokensKeyAlias"]


def test_sealed_tokens_round_trip_and_show_no_plaintext(kms, key_id) -> None:  # noqa: ANN001
    sealed = seal(TOKENS, key_id, CONTEXT, kms)

    assert TOKENS.access_token not in sealed and TOKENS.refresh_token not in sealed
    assert unseal(sealed, CONTEXT, kms) == TOKENS
    assert seal(TOKENS, key_id, CONTEXT, kms) != sealed  # a fresh data key and nonce each time


@pytest.mark.parametrize(
    "tamper",
    [
        lambda sealed: sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"),  # ciphertext bit flip
        lambda sealed: "v9" + sealed[2:],  # a format we never wrote
        lambda sealed: sealed.rsplit(".", 1)[0],  # truncated
    ],
    ids=["ciphertext", "format", "truncated"],
)
def test_a_tampered_envelope_means_reconnect_not_a_crash(kms, key_id, tamper) -> None:  # noqa: ANN001
    with pytest.raises(AuthExpired):
        unseal(tamper(seal(TOKENS, key_id, CONTEXT, kms)), CONTEXT, kms)


def test_another_tenants_context_cannot_open_the_envelope(kms, key_id) -> None:  # noqa: ANN001
    sealed = seal(TOKENS, key_id, CONTEXT, kms)

    with pytest.raises(AuthExpired):
        unseal(sealed, token_context("t-other", "quickbooks_online"), kms)
