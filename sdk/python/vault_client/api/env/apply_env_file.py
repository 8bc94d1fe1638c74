from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.env_file_request import EnvFileRequest
from ...models.env_file_result import EnvFileResult
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: EnvFileRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/env",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EnvFileResult | Error | None:
    if response.status_code == 200:
        response_200 = EnvFileResult.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

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
) -> Response[EnvFileResult | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: EnvFileRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[EnvFileResult | Error]:
    """Expand secret(NAME) references and turn enc(VALUE) lines into new secrets, all or nothing

     Send .env text as text/plain (answered as text/plain) or {"content"} as JSON (answered as JSON).
    Errors are JSON either way. See docs/env.md.

    Args:
        idempotency_key (str | Unset):
        body (EnvFileRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvFileResult | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: EnvFileRequest,
    idempotency_key: str | Unset = UNSET,
) -> EnvFileResult | Error | None:
    """Expand secret(NAME) references and turn enc(VALUE) lines into new secrets, all or nothing

     Send .env text as text/plain (answered as text/plain) or {"content"} as JSON (answered as JSON).
    Errors are JSON either way. See docs/env.md.

    Args:
        idempotency_key (str | Unset):
        body (EnvFileRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvFileResult | Error
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: EnvFileRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[EnvFileResult | Error]:
    """Expand secret(NAME) references and turn enc(VALUE) lines into new secrets, all or nothing

     Send .env text as text/plain (answered as text/plain) or {"content"} as JSON (answered as JSON).
    Errors are JSON either way. See docs/env.md.

    Args:
        idempotency_key (str | Unset):
        body (EnvFileRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvFileResult | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: EnvFileRequest,
    idempotency_key: str | Unset = UNSET,
) -> EnvFileResult | Error | None:
    """Expand secret(NAME) references and turn enc(VALUE) lines into new secrets, all or nothing

     Send .env text as text/plain (answered as text/plain) or {"content"} as JSON (answered as JSON).
    Errors are JSON either way. See docs/env.md.

    Args:
        idempotency_key (str | Unset):
        body (EnvFileRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvFileResult | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
