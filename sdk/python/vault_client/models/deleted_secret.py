from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeletedSecret")


@_attrs_define
class DeletedSecret:
    """
    Attributes:
        name (str):  Example: DB_PASSWORD.
        deleted (bool): Always true. Example: True.
        deleted_at (datetime.datetime): Also the last version's validTo. Example: 2026-11-26 18:00:00+00:00.
        shards_destroyed (int): Replicas that confirmed destroying their shares. Example: 5.
        destroy_threshold (int): n - k + 1: confirmations needed so that fewer than k shares survive. Example: 3.
    """

    name: str
    deleted: bool
    deleted_at: datetime.datetime
    shards_destroyed: int
    destroy_threshold: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        deleted = self.deleted

        deleted_at = self.deleted_at.isoformat()

        shards_destroyed = self.shards_destroyed

        destroy_threshold = self.destroy_threshold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "deleted": deleted,
                "deletedAt": deleted_at,
                "shardsDestroyed": shards_destroyed,
                "destroyThreshold": destroy_threshold,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        deleted = d.pop("deleted")

        deleted_at = datetime.datetime.fromisoformat(d.pop("deletedAt"))

        shards_destroyed = d.pop("shardsDestroyed")

        destroy_threshold = d.pop("destroyThreshold")

        deleted_secret = cls(
            name=name,
            deleted=deleted,
            deleted_at=deleted_at,
            shards_destroyed=shards_destroyed,
            destroy_threshold=destroy_threshold,
        )

        deleted_secret.additional_properties = d
        return deleted_secret

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
