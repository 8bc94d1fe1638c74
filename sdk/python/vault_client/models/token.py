from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy_rule import PolicyRule
    from ..models.token_creator import TokenCreator
    from ..models.token_rate_limit import TokenRateLimit


T = TypeVar("T", bound="Token")


@_attrs_define
class Token:
    """A token's record: never the token, nor its hash.

    Attributes:
        id (str):  Example: 3f2a9c0d41b7e865.
        name (str):  Example: ci-app1.
        rules (list[PolicyRule]):
        created_at (datetime.datetime): ISO 8601 UTC with milliseconds. Example: 2026-11-26 17:40:17.123000+00:00.
        created_by (TokenCreator):
        expires_at (datetime.datetime | None): ISO 8601 UTC with milliseconds.
        revoked_at (datetime.datetime | None): When it was revoked; null while it is not.
        expired (bool):  Example: False.
        revoked (bool):  Example: False.
        rate_limit (TokenRateLimit | Unset): This token's own limit on each replica, instead of
            VAULT_RATE_LIMIT_PER_SECOND and _BURST.
    """

    id: str
    name: str
    rules: list[PolicyRule]
    created_at: datetime.datetime
    created_by: TokenCreator
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    expired: bool
    revoked: bool
    rate_limit: TokenRateLimit | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        created_at = self.created_at.isoformat()

        created_by = self.created_by.to_dict()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        expired = self.expired

        revoked = self.revoked

        rate_limit: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rate_limit, Unset):
            rate_limit = self.rate_limit.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "rules": rules,
                "createdAt": created_at,
                "createdBy": created_by,
                "expiresAt": expires_at,
                "revokedAt": revoked_at,
                "expired": expired,
                "revoked": revoked,
            }
        )
        if rate_limit is not UNSET:
            field_dict["rateLimit"] = rate_limit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_rule import PolicyRule
        from ..models.token_creator import TokenCreator
        from ..models.token_rate_limit import TokenRateLimit

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = PolicyRule.from_dict(rules_item_data)

            rules.append(rules_item)

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        created_by = TokenCreator.from_dict(d.pop("createdBy"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expiresAt"))

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revokedAt"))

        expired = d.pop("expired")

        revoked = d.pop("revoked")

        _rate_limit = d.pop("rateLimit", UNSET)
        rate_limit: TokenRateLimit | Unset
        if isinstance(_rate_limit, Unset):
            rate_limit = UNSET
        else:
            rate_limit = TokenRateLimit.from_dict(_rate_limit)

        token = cls(
            id=id,
            name=name,
            rules=rules,
            created_at=created_at,
            created_by=created_by,
            expires_at=expires_at,
            revoked_at=revoked_at,
            expired=expired,
            revoked=revoked,
            rate_limit=rate_limit,
        )

        token.additional_properties = d
        return token

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
