from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreatedToken")


@_attrs_define
class CreatedToken:
    """
    Attributes:
        id (str): The token's id: in listings, the audit trail, and /v1/tokens/{id}. Example: 3f2a9c0d41b7e865.
        name (str):  Example: ci-app1.
        created_at (datetime.datetime): ISO 8601 UTC with milliseconds. Example: 2026-11-26 17:40:17.123000+00:00.
        expires_at (datetime.datetime | None): null: never expires. Example: 2026-11-27 17:40:17.123000+00:00.
        token (str | Unset): The token, shown this once: the vault keeps only a keyed hash of it. Absent when an
            Idempotency-Key retry replays the first answer (the token cannot be shown again: revoke it and create another if
            it was lost). Example: vt_3f2a9c0d41b7e865_q3Jw9yqX1m0c0W2fV8lJm8r2mJc8Zy8pQvD8QnJ0X8Y.
    """

    id: str
    name: str
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        created_at = self.created_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "createdAt": created_at,
                "expiresAt": expires_at,
            }
        )
        if token is not UNSET:
            field_dict["token"] = token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

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

        token = d.pop("token", UNSET)

        created_token = cls(
            id=id,
            name=name,
            created_at=created_at,
            expires_at=expires_at,
            token=token,
        )

        created_token.additional_properties = d
        return created_token

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
