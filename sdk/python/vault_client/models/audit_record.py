from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_stage import AuditStage

T = TypeVar("T", bound="AuditRecord")


@_attrs_define
class AuditRecord:
    """One stage of one request on this replica. Never a value or a token.

    Attributes:
        id (str): Increasing on this replica, in the order records were written. Example: 1042.
        time (datetime.datetime): ISO 8601 UTC with milliseconds. Example: 2026-11-26 17:40:17.123000+00:00.
        stage (AuditStage): AUDIT_UNAVAILABLE: request, refused before anything was done; response, the work ran and its
            answer was withheld (a write may have taken effect).
        request_id (str): The X-Request-Id of the request. Example: 1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1.
        token_id (None | str): null: no valid token (a 401). Example: 3f2a9c0d41b7e865.
        token_name (None | str):  Example: ci-app1.
        operation (str): The route, or the method and path of a request that matched none. Example: GET
            /v1/secrets/{name}.
        name (None | str): The secret (or, for /v1/tokens/{id}, `_vault.token.<id>`). Example: DB_PASSWORD.
        names (list[str] | None): .env requests: the names created and resolved.
        version (int | None): The version read or written, or asked for. Example: 3.
        status (int | None): The HTTP status answered (null on request records). Example: 200.
        code (None | str): The error code answered, if any.
        client_address (None | str): The address of the connection (proxies are not trusted). Example: 10.0.3.17.
        duration_ms (float | None): Milliseconds from receipt to the answer (response records). Example: 4.2.
    """

    id: str
    time: datetime.datetime
    stage: AuditStage
    request_id: str
    token_id: None | str
    token_name: None | str
    operation: str
    name: None | str
    names: list[str] | None
    version: int | None
    status: int | None
    code: None | str
    client_address: None | str
    duration_ms: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        time = self.time.isoformat()

        stage = self.stage.value

        request_id = self.request_id

        token_id: None | str
        token_id = self.token_id

        token_name: None | str
        token_name = self.token_name

        operation = self.operation

        name: None | str
        name = self.name

        names: list[str] | None
        if isinstance(self.names, list):
            names = self.names

        else:
            names = self.names

        version: int | None
        version = self.version

        status: int | None
        status = self.status

        code: None | str
        code = self.code

        client_address: None | str
        client_address = self.client_address

        duration_ms: float | None
        duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "time": time,
                "stage": stage,
                "requestId": request_id,
                "tokenId": token_id,
                "tokenName": token_name,
                "operation": operation,
                "name": name,
                "names": names,
                "version": version,
                "status": status,
                "code": code,
                "clientAddress": client_address,
                "durationMs": duration_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        stage = AuditStage(d.pop("stage"))

        request_id = d.pop("requestId")

        def _parse_token_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token_id = _parse_token_id(d.pop("tokenId"))

        def _parse_token_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token_name = _parse_token_name(d.pop("tokenName"))

        operation = d.pop("operation")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        def _parse_names(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                names_type_0 = cast(list[str], data)

                return names_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        names = _parse_names(d.pop("names"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        def _parse_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status = _parse_status(d.pop("status"))

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        def _parse_client_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_address = _parse_client_address(d.pop("clientAddress"))

        def _parse_duration_ms(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_ms = _parse_duration_ms(d.pop("durationMs"))

        audit_record = cls(
            id=id,
            time=time,
            stage=stage,
            request_id=request_id,
            token_id=token_id,
            token_name=token_name,
            operation=operation,
            name=name,
            names=names,
            version=version,
            status=status,
            code=code,
            client_address=client_address,
            duration_ms=duration_ms,
        )

        audit_record.additional_properties = d
        return audit_record

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
