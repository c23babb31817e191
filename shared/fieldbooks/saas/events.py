"""Schema v1 of the change events the field-service product publishes on its EventBridge bus.

EventBridge carries `Source="fsm.saas"`, `DetailType="<entity>.<action>"` and the `SaasChangeEvent`
below as `Detail`. `schema_version` is `Literal[1]`: a v2 must be an explicit change here, never a
silent drift. Adding a field to a record is not a new version (records ignore unknown keys).
"""

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fieldbooks.domain.records import RECORD_MODELS, Entity, SaasRecord

SOURCE = "fsm.saas"
DEFAULT_BUS_NAME = "fsm-saas"

Action = Literal["created", "updated", "deleted", "finalized", "voided", "reversed"]
Origin = Literal["user", "fieldbooks"]

# Every (entity, action) pair the product emits; `events/saas/` holds one sample per pair.
EVENT_TYPES: frozenset[tuple[Entity, Action]] = frozenset(
    {
        ("contact", "created"),
        ("contact", "updated"),
        ("contact", "deleted"),
        ("property", "created"),
        ("property", "updated"),
        ("property", "deleted"),
        ("item", "created"),
        ("item", "updated"),
        ("item", "deleted"),
        ("quote", "created"),
        ("quote", "updated"),
        ("invoice", "created"),
        ("invoice", "updated"),
        ("invoice", "deleted"),
        ("invoice", "finalized"),
        ("invoice", "voided"),
        ("credit_note", "created"),
        ("credit_note", "updated"),
        ("payment", "created"),
        ("payment", "updated"),
        ("payment", "reversed"),
        ("job", "created"),
        ("job", "updated"),
        ("team_member", "created"),
        ("team_member", "updated"),
    }
)


class SaasChangeEvent(BaseModel):
    """One change of one record, with the full snapshot at `record_version`.

    `origin="fieldbooks"` marks changes Fieldbooks itself made through the platform API, so the
    connector can recognise its own echoes. Consumers order by `record_version`, not by arrival:
    EventBridge does not promise order.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: Literal[1]
    event_id: Annotated[str, Field(pattern=r"^evt_[0-9A-Za-z]+$")]
    tenant_id: Annotated[str, Field(min_length=1)]
    occurred_at: AwareDatetime
    entity: Entity
    action: Action
    record_id: str
    record_version: Annotated[int, Field(ge=1)]
    origin: Origin
    record: SerializeAsAny[SaasRecord]

    @field_validator("record", mode="before")
    @classmethod
    def _record_of_its_entity(cls, value: Any, info: ValidationInfo) -> SaasRecord:
        entity = info.data.get("entity")
        if entity is None:
            raise ValueError("record cannot be read without a valid entity")
        model = RECORD_MODELS[entity]
        return value if isinstance(value, model) else model.model_validate(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.entity, self.action) not in EVENT_TYPES:
            raise ValueError(f"schema v1 has no {self.detail_type} event")
        if self.record.id != self.record_id or self.record.version != self.record_version:
            raise ValueError("record_id and record_version must match the record snapshot")
        return self

    @property
    def detail_type(self) -> str:
        return f"{self.entity}.{self.action}"


class SaasBusEvent(BaseModel):
    """The EventBridge event as a Lambda target receives it."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    version: str
    id: str
    detail_type: str = Field(alias="detail-type")
    source: Literal["fsm.saas"]
    account: str = ""
    time: AwareDatetime
    region: str
    resources: list[str] = []
    detail: SaasChangeEvent

    @model_validator(mode="after")
    def _detail_type_matches(self) -> Self:
        if self.detail_type != self.detail.detail_type:
            raise ValueError(f"detail-type {self.detail_type!r} does not match detail {self.detail.detail_type!r}")
        return self


def eventbridge_entry(event: SaasChangeEvent, bus_name: str = DEFAULT_BUS_NAME) -> dict[str, Any]:
    """One `put_events` entry; `Detail` keeps money as strings, so amounts arrive exact."""
    return {
        "EventBusName": bus_name,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": event.model_dump_json(),
        "Time": event.occurred_at.astimezone(dt.UTC),
        "Resources": [],
    }
