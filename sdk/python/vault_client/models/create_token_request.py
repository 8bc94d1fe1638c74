from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy_rule import PolicyRule
    from ..models.token_rate_limit import TokenRateLimit


T = TypeVar("T", bound="CreateTokenRequest")


@_attrs_define
class CreateTokenRequest:
    """
    Attributes:
        name (str): What the token is for; shown in listings and the audit trail. Example: ci-app1.
        rules (list[PolicyRule]): At most 32 rules and 256 name patterns in all. No rule: the token may do nothing but
            GET /status.
        ttl_seconds (int | Unset): The token expires this many seconds after its creation; never when absent. Example:
            86400.
        rate_limit (TokenRateLimit | Unset): This token's own limit on each replica, instead of
            VAULT_RATE_LIMIT_PER_SECOND and _BURST.
    """

    name: str
    rules: list[PolicyRule]
    ttl_seconds: int | Unset = UNSET
    rate_limit: TokenRateLimit | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        ttl_seconds = self.ttl_seconds

        rate_limit: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rate_limit, Unset):
            rate_limit = self.rate_limit.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "rules": rules,
            }
        )
        if ttl_seconds is not UNSET:
            field_dict["ttlSeconds"] = ttl_seconds
        if rate_limit is not UNSET:
            field_dict["rateLimit"] = rate_limit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_rule import PolicyRule
        from ..models.token_rate_limit import TokenRateLimit

        d = dict(src_dict)
        name = d.pop("name")

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = PolicyRule.from_dict(rules_item_data)

            rules.append(rules_item)

        ttl_seconds = d.pop("ttlSeconds", UNSET)

        _rate_limit = d.pop("rateLimit", UNSET)
        rate_limit: TokenRateLimit | Unset
        if isinstance(_rate_limit, Unset):
            rate_limit = UNSET
        else:
            rate_limit = TokenRateLimit.from_dict(_rate_limit)

        create_token_request = cls(
            name=name,
            rules=rules,
            ttl_seconds=ttl_seconds,
            rate_limit=rate_limit,
        )

        create_token_request.additional_properties = d
        return create_token_request

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
