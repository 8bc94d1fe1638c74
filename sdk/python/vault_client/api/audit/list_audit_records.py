import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_outcome import AuditOutcome
from ...models.audit_page import AuditPage
from ...models.audit_stage import AuditStage
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    token_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    status: int | Unset = UNSET,
    outcome: AuditOutcome | Unset = UNSET,
    stage: AuditStage | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["tokenId"] = token_id

    params["name"] = name

    params["status"] = status

    json_outcome: str | Unset = UNSET
    if not isinstance(outcome, Unset):
        json_outcome = outcome.value

    params["outcome"] = json_outcome

    json_stage: str | Unset = UNSET
    if not isinstance(stage, Unset):
        json_stage = stage.value

    params["stage"] = json_stage

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditPage | Error | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AuditPage | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    token_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    status: int | Unset = UNSET,
    outcome: AuditOutcome | Unset = UNSET,
    stage: AuditStage | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[AuditPage | Error]:
    """Page through this replica's audit trail, oldest first, with filters

     Each replica keeps the records of the requests it served: ask each replica (docs/security.md,
    "Audit").

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        token_id (str | Unset):  Example: 3f2a9c0d41b7e865.
        name (str | Unset):  Example: DB_PASSWORD.
        status (int | Unset):  Example: 403.
        outcome (AuditOutcome | Unset):
        stage (AuditStage | Unset): AUDIT_UNAVAILABLE: request, refused before anything was done;
            response, the work ran and its answer was withheld (a write may have taken effect).
        cursor (str | Unset):  Example: 1042.
        limit (int | Unset):  Example: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | Error]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        token_id=token_id,
        name=name,
        status=status,
        outcome=outcome,
        stage=stage,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    token_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    status: int | Unset = UNSET,
    outcome: AuditOutcome | Unset = UNSET,
    stage: AuditStage | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> AuditPage | Error | None:
    """Page through this replica's audit trail, oldest first, with filters

     Each replica keeps the records of the requests it served: ask each replica (docs/security.md,
    "Audit").

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        token_id (str | Unset):  Example: 3f2a9c0d41b7e865.
        name (str | Unset):  Example: DB_PASSWORD.
        status (int | Unset):  Example: 403.
        outcome (AuditOutcome | Unset):
        stage (AuditStage | Unset): AUDIT_UNAVAILABLE: request, refused before anything was done;
            response, the work ran and its answer was withheld (a write may have taken effect).
        cursor (str | Unset):  Example: 1042.
        limit (int | Unset):  Example: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | Error
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        token_id=token_id,
        name=name,
        status=status,
        outcome=outcome,
        stage=stage,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    token_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    status: int | Unset = UNSET,
    outcome: AuditOutcome | Unset = UNSET,
    stage: AuditStage | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[AuditPage | Error]:
    """Page through this replica's audit trail, oldest first, with filters

     Each replica keeps the records of the requests it served: ask each replica (docs/security.md,
    "Audit").

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        token_id (str | Unset):  Example: 3f2a9c0d41b7e865.
        name (str | Unset):  Example: DB_PASSWORD.
        status (int | Unset):  Example: 403.
        outcome (AuditOutcome | Unset):
        stage (AuditStage | Unset): AUDIT_UNAVAILABLE: request, refused before anything was done;
            response, the work ran and its answer was withheld (a write may have taken effect).
        cursor (str | Unset):  Example: 1042.
        limit (int | Unset):  Example: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | Error]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        token_id=token_id,
        name=name,
        status=status,
        outcome=outcome,
        stage=stage,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    token_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    status: int | Unset = UNSET,
    outcome: AuditOutcome | Unset = UNSET,
    stage: AuditStage | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> AuditPage | Error | None:
    """Page through this replica's audit trail, oldest first, with filters

     Each replica keeps the records of the requests it served: ask each replica (docs/security.md,
    "Audit").

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        token_id (str | Unset):  Example: 3f2a9c0d41b7e865.
        name (str | Unset):  Example: DB_PASSWORD.
        status (int | Unset):  Example: 403.
        outcome (AuditOutcome | Unset):
        stage (AuditStage | Unset): AUDIT_UNAVAILABLE: request, refused before anything was done;
            response, the work ran and its answer was withheld (a write may have taken effect).
        cursor (str | Unset):  Example: 1042.
        limit (int | Unset):  Example: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            token_id=token_id,
            name=name,
            status=status,
            outcome=outcome,
            stage=stage,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
