from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EnvFileResult")


@_attrs_define
class EnvFileResult:
    """
    Attributes:
        content (str): The .env text with enc(...) turned into secret(NAME) and secret(...) expanded. Example:
            API_KEY=secret(API_KEY)
            DB_URL=postgres://app:s3cr3t@db/app
            .
        created (list[str]): Secrets created from enc(...) lines. Example: ['API_KEY'].
        resolved (list[str]): Secrets whose values were expanded from secret(...) lines. Example: ['DB_URL'].
    """

    content: str
    created: list[str]
    resolved: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        created = self.created

        resolved = self.resolved

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
                "created": created,
                "resolved": resolved,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content = d.pop("content")

        created = cast(list[str], d.pop("created"))

        resolved = cast(list[str], d.pop("resolved"))

        env_file_result = cls(
            content=content,
            created=created,
            resolved=resolved,
        )

        env_file_result.additional_properties = d
        return env_file_result

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
