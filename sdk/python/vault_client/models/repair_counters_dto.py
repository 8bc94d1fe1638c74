from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RepairCountersDto")


@_attrs_define
class RepairCountersDto:
    """
    Attributes:
        attempted (float): Shares this replica tried to restore on other replicas.
        succeeded (float):
        skipped_newer (float): Skipped because a newer version or a delete won.
        skipped_locked (float): Skipped because a write held the name.
        failed (float):
    """

    attempted: float
    succeeded: float
    skipped_newer: float
    skipped_locked: float
    failed: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempted = self.attempted

        succeeded = self.succeeded

        skipped_newer = self.skipped_newer

        skipped_locked = self.skipped_locked

        failed = self.failed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempted": attempted,
                "succeeded": succeeded,
                "skippedNewer": skipped_newer,
                "skippedLocked": skipped_locked,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempted = d.pop("attempted")

        succeeded = d.pop("succeeded")

        skipped_newer = d.pop("skippedNewer")

        skipped_locked = d.pop("skippedLocked")

        failed = d.pop("failed")

        repair_counters_dto = cls(
            attempted=attempted,
            succeeded=succeeded,
            skipped_newer=skipped_newer,
            skipped_locked=skipped_locked,
            failed=failed,
        )

        repair_counters_dto.additional_properties = d
        return repair_counters_dto

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
