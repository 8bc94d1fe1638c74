from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ready_dto_status import ReadyDtoStatus

T = TypeVar("T", bound="ReadyDto")


@_attrs_define
class ReadyDto:
    """
    Attributes:
        status (ReadyDtoStatus):  Example: ready.
        database (bool):
        caught_up (bool): False while this replica rebuilds lost state from its peers (or a new cluster forms).
        reachable (float): Replicas that answered, this one included.
        required (float): k: how many must answer.
    """

    status: ReadyDtoStatus
    database: bool
    caught_up: bool
    reachable: float
    required: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        database = self.database

        caught_up = self.caught_up

        reachable = self.reachable

        required = self.required

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "database": database,
                "caughtUp": caught_up,
                "reachable": reachable,
                "required": required,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = ReadyDtoStatus(d.pop("status"))

        database = d.pop("database")

        caught_up = d.pop("caughtUp")

        reachable = d.pop("reachable")

        required = d.pop("required")

        ready_dto = cls(
            status=status,
            database=database,
            caught_up=caught_up,
            reachable=reachable,
            required=required,
        )

        ready_dto.additional_properties = d
        return ready_dto

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
