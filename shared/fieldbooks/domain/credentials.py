"""OAuth tokens as Fieldbooks holds them in memory: what a provider's token endpoint answered."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OAuthTokens(BaseModel):
    model_config = ConfigDict(frozen=True)

    access_token: str = Field(repr=False)
    refresh_token: str = Field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
