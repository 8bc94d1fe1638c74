from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TokenRateLimit")


@_attrs_define
class TokenRateLimit:
    """This token's own limit on each replica, instead of VAULT_RATE_LIMIT_PER_SECOND and _BURST.

    Attributes:
        per_second (int): Requests per second, on average. Example: 20.
        burst (int): Requests at once after a quiet spell. Example: 40.
    """

    per_second: int
    burst: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        per_second = self.per_second

        burst = self.burst

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "perSecond": per_second,
                "burst": burst,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        per_second = d.pop("perSecond")

        burst = d.pop("burst")

        token_rate_limit = cls(
            per_second=per_second,
            burst=burst,
        )

        token_rate_limit.additional_properties = d
        return token_rate_limit

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
