from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateSecretRequest")


@_attrs_define
class UpdateSecretRequest:
    """
    Attributes:
        value (str): UTF-8 text, 0 to 65536 bytes (more is 413 PAYLOAD_TOO_LARGE). Example: n3w-s3cr3t.
        expected_version (int | Unset): Only write if this is still the current version (else 409 VERSION_CONFLICT).
            Example: 1.
    """

    value: str
    expected_version: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        value = self.value

        expected_version = self.expected_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "value": value,
            }
        )
        if expected_version is not UNSET:
            field_dict["expectedVersion"] = expected_version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        value = d.pop("value")

        expected_version = d.pop("expectedVersion", UNSET)

        update_secret_request = cls(
            value=value,
            expected_version=expected_version,
        )

        update_secret_request.additional_properties = d
        return update_secret_request

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
