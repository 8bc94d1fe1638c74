from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.capability import Capability
from ..models.policy_effect import PolicyEffect

T = TypeVar("T", bound="PolicyRule")


@_attrs_define
class PolicyRule:
    """Grants (allow) or refuses (deny) capabilities on the names matching any of `names`. Deny wins. See docs/security.md.

    Attributes:
        effect (PolicyEffect):
        capabilities (list[Capability]): read: GET a secret; list: its history; write: create and update; delete; env:
            POST /v1/env (which also needs read on each secret(...) name and write on each enc(...) name); admin: /v1/tokens
            and /v1/audit. env and admin are not scoped by name. Example: ['read', 'list'].
        names (list[str]): Name patterns: exact names, or with * matching any run of characters (app1.* , DB_*, *). a
            name pattern is 1 to 128 of A-Z a-z 0-9 _ . - and *, where * matches any run of characters. Example: ['app1.*',
            'DB_PASSWORD'].
    """

    effect: PolicyEffect
    capabilities: list[Capability]
    names: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        effect = self.effect.value

        capabilities = []
        for capabilities_item_data in self.capabilities:
            capabilities_item = capabilities_item_data.value
            capabilities.append(capabilities_item)

        names = self.names

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "effect": effect,
                "capabilities": capabilities,
                "names": names,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        effect = PolicyEffect(d.pop("effect"))

        capabilities = []
        _capabilities = d.pop("capabilities")
        for capabilities_item_data in _capabilities:
            capabilities_item = Capability(capabilities_item_data)

            capabilities.append(capabilities_item)

        names = cast(list[str], d.pop("names"))

        policy_rule = cls(
            effect=effect,
            capabilities=capabilities,
            names=names,
        )

        policy_rule.additional_properties = d
        return policy_rule

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
