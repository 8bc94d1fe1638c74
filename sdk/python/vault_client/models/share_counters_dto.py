from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ShareCountersDto")


@_attrs_define
class ShareCountersDto:
    """
    Attributes:
        corrupt_skipped (float): Shares skipped on reads for a bad digest or x-coordinate.
        foreign_skipped (float): Shares skipped on reads for belonging to another split.
    """

    corrupt_skipped: float
    foreign_skipped: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        corrupt_skipped = self.corrupt_skipped

        foreign_skipped = self.foreign_skipped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "corruptSkipped": corrupt_skipped,
                "foreignSkipped": foreign_skipped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        corrupt_skipped = d.pop("corruptSkipped")

        foreign_skipped = d.pop("foreignSkipped")

        share_counters_dto = cls(
            corrupt_skipped=corrupt_skipped,
            foreign_skipped=foreign_skipped,
        )

        share_counters_dto.additional_properties = d
        return share_counters_dto

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
