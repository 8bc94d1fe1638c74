"""End-to-end tests of the generated Python client (sync and async) against a real cluster."""

import asyncio

from vault_client import AuthenticatedClient
from vault_client.api.env import apply_env_file
from vault_client.api.secrets import create_secret, delete_secret, get_secret, list_secret_versions, update_secret
from vault_client.api.tokens import create_token, revoke_token
from vault_client.models import (
    Capability,
    CreatedToken,
    CreateSecretRequest,
    CreateTokenRequest,
    DeletedSecret,
    EnvFileRequest,
    EnvFileResult,
    Error,
    ErrorCode,
    PolicyEffect,
    PolicyRule,
    SecretValue,
    SecretVersions,
    Token,
    UpdateSecretRequest,
    WrittenVersion,
)


def test_secret_lifecycle(clients: list[AuthenticatedClient], unique):
    name = unique("PY_LIFECYCLE")

    created = create_secret.sync_detailed(client=clients[0], body=CreateSecretRequest(name=name, value="v1"))
    assert created.status_code == 201
    assert isinstance(created.parsed, WrittenVersion)
    assert (created.parsed.name, created.parsed.version) == (name, 1)
    assert created.headers["location"] == f"/v1/secrets/{name}"

    latest = get_secret.sync(name, client=clients[1])
    assert isinstance(latest, SecretValue)
    assert (latest.value, latest.version, latest.valid_to) == ("v1", 1, None)

    v2 = update_secret.sync(name, client=clients[2], body=UpdateSecretRequest(value="v2"))
    assert isinstance(v2, WrittenVersion) and v2.version == 2
    v3 = update_secret.sync(name, client=clients[3], body=UpdateSecretRequest(value="v3", expected_version=2))
    assert isinstance(v3, WrittenVersion) and v3.version == 3

    stale = update_secret.sync(name, client=clients[4], body=UpdateSecretRequest(value="v4", expected_version=1))
    assert isinstance(stale, Error)
    assert stale.code == ErrorCode.VERSION_CONFLICT
    assert (stale.status_code, stale.current_version) == (409, 3)

    first = get_secret.sync(name, client=clients[4], version=1)
    assert isinstance(first, SecretValue)
    assert (first.value, first.version, first.valid_to) == ("v1", 1, v2.valid_from)
    now = get_secret.sync(name, client=clients[0])
    assert isinstance(now, SecretValue) and (now.value, now.version) == ("v3", 3)

    history = list_secret_versions.sync(name, client=clients[1])
    assert isinstance(history, SecretVersions)
    assert [v.version for v in history.versions] == [1, 2, 3]
    assert [v.valid_to for v in history.versions] == [history.versions[1].valid_from, history.versions[2].valid_from, None]

    deleted = delete_secret.sync(name, client=clients[2])
    assert isinstance(deleted, DeletedSecret)
    assert deleted.deleted is True and deleted.destroy_threshold == 3 and deleted.shards_destroyed >= 3
    gone = get_secret.sync(name, client=clients[3])
    assert isinstance(gone, Error) and gone.code == ErrorCode.SECRET_NOT_FOUND


def test_async_client(clients: list[AuthenticatedClient], unique):
    name = unique("PY_ASYNC")

    async def scenario() -> None:
        created = await create_secret.asyncio(client=clients[0], body=CreateSecretRequest(name=name, value="async"))
        assert isinstance(created, WrittenVersion) and created.version == 1
        reads = await asyncio.gather(*(get_secret.asyncio(name, client=c) for c in clients))
        assert all(isinstance(r, SecretValue) and r.value == "async" for r in reads)
        missing = await get_secret.asyncio(name, client=clients[1], version=2)
        assert isinstance(missing, Error) and missing.code == ErrorCode.VERSION_NOT_FOUND

    asyncio.run(scenario())


def test_idempotency_key_retried_on_another_replica(clients: list[AuthenticatedClient], unique):
    name = unique("PY_IDEMPOTENT")
    key = unique("py-key")
    body = CreateSecretRequest(name=name, value="once")

    first = create_secret.sync(client=clients[0], body=body, idempotency_key=key)
    retry = create_secret.sync(client=clients[3], body=body, idempotency_key=key)
    assert isinstance(first, WrittenVersion) and isinstance(retry, WrittenVersion)
    assert (retry.version, retry.valid_from) == (1, first.valid_from)
    history = list_secret_versions.sync(name, client=clients[1])
    assert isinstance(history, SecretVersions) and len(history.versions) == 1

    again = create_secret.sync(client=clients[2], body=body)
    assert isinstance(again, Error) and again.code == ErrorCode.SECRET_ALREADY_EXISTS
    reused = create_secret.sync(client=clients[4], body=CreateSecretRequest(name=name, value="other"), idempotency_key=key)
    assert isinstance(reused, Error) and reused.code == ErrorCode.IDEMPOTENCY_KEY_REUSED


def test_env_both_forms(clients: list[AuthenticatedClient], unique):
    ref = unique("PY_ENV_REF")
    enc = unique("PY_ENV_ENC")
    assert isinstance(create_secret.sync(client=clients[0], body=CreateSecretRequest(name=ref, value="resolved-value")), WrittenVersion)

    as_json = apply_env_file.sync(client=clients[1], body=EnvFileRequest(content=f"{enc}=enc(made-here)\nREF=secret({ref})\n"))
    assert isinstance(as_json, EnvFileResult)
    assert as_json.content == f"{enc}=secret({enc})\nREF=resolved-value\n"
    assert (as_json.created, as_json.resolved) == ([enc], [ref])

    # openapi-python-client sends no text/plain bodies: the text form goes through the
    # client's own httpx client (base URL and token set), as sdk/python/README.md shows.
    as_text = clients[2].get_httpx_client().post(
        "/v1/env", content=f"A=secret({ref})\nB=secret({enc})\n", headers={"Content-Type": "text/plain"}
    )
    assert as_text.status_code == 200
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text == "A=resolved-value\nB=made-here\n"

    unresolved = clients[3].get_httpx_client().post("/v1/env", content="X=secret(PY_NOWHERE)\n", headers={"Content-Type": "text/plain"})
    error = Error.from_dict(unresolved.json())
    assert (unresolved.status_code, error.code, error.names) == (422, ErrorCode.ENV_REFERENCE_UNRESOLVED, ["PY_NOWHERE"])


def test_typed_errors(clients: list[AuthenticatedClient], urls: list[str], unique):
    missing = get_secret.sync_detailed(unique("PY_MISSING"), client=clients[0])
    assert missing.status_code == 404
    assert isinstance(missing.parsed, Error) and missing.parsed.code == ErrorCode.SECRET_NOT_FOUND
    assert missing.parsed.request_id == missing.headers["x-request-id"]

    invalid = create_secret.sync(client=clients[1], body=CreateSecretRequest(name="9-not-a-name", value="x"))
    assert isinstance(invalid, Error) and invalid.code == ErrorCode.VALIDATION_FAILED
    assert invalid.details and invalid.details[0].field == "name"

    anonymous = AuthenticatedClient(base_url=urls[2], token="not-the-token")
    refused = get_secret.sync("ANYTHING", client=anonymous)
    assert isinstance(refused, Error) and refused.code == ErrorCode.UNAUTHENTICATED


def test_token_with_a_policy(clients: list[AuthenticatedClient], urls: list[str], unique):
    name = unique("PY_TOKEN")
    assert isinstance(create_secret.sync(client=clients[0], body=CreateSecretRequest(name=name, value="team-value")), WrittenVersion)
    rule = PolicyRule(effect=PolicyEffect.ALLOW, capabilities=[Capability.READ], names=[name])
    created = create_token.sync(client=clients[0], body=CreateTokenRequest(name="py-sdk", rules=[rule]))
    assert isinstance(created, CreatedToken) and created.token.startswith("vt_")

    team = AuthenticatedClient(base_url=urls[1], token=created.token)
    read = get_secret.sync(name, client=team)
    assert isinstance(read, SecretValue) and read.value == "team-value"
    denied = delete_secret.sync(name, client=team)
    assert isinstance(denied, Error)
    assert (denied.status_code, denied.code, denied.capability, denied.name) == (403, ErrorCode.FORBIDDEN, "delete", name)

    revoked = revoke_token.sync(created.id, client=clients[2])
    assert isinstance(revoked, Token) and revoked.revoked is True
    refused = get_secret.sync(name, client=team)
    assert isinstance(refused, Error) and refused.code == ErrorCode.UNAUTHENTICATED
