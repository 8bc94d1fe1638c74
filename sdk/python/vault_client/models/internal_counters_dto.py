from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InternalCountersDto")


@_attrs_define
class InternalCountersDto:
    """
    Attributes:
        batches (float): Authenticated peer batches this replica served since it started.
        messages (float): Peer messages in those batches.
        refused (float): Peer requests refused (unauthenticated, malformed, too large, ...).
    """

    batches: float
    messages: float
    refused: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batches = self.batches

        messages = self.messages

        refused = self.refused

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batches": batches,
                "messages": messages,
                "refused": refused,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        batches = d.pop("batches")

        messages = d.pop("messages")

        refused = d.pop("refused")

        internal_counters_dto = cls(
            batches=batches,
            messages=messages,
            refused=refused,
        )

        internal_counters_dto.additional_properties = d
        return internal_counters_dto

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
