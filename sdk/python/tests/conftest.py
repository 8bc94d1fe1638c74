"""The cluster under test: `npm test` starts 5 replicas and passes their URLs and the token
(VAULT_URLS, comma-separated, and VAULT_TOKEN; see test/sdk/sdks.e2e-spec.ts)."""

import os
import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vault_client import AuthenticatedClient  # noqa: E402


@pytest.fixture(scope="session")
def urls() -> list[str]:
    value = os.environ.get("VAULT_URLS", "")
    if not value or not os.environ.get("VAULT_TOKEN"):
        pytest.fail("VAULT_URLS and VAULT_TOKEN are not set: run through `npm test` (test/sdk/sdks.e2e-spec.ts starts the cluster)")
    found = value.split(",")
    assert len(found) >= 5, f"want 5 replicas, got {found}"
    return found


@pytest.fixture(scope="session")
def clients(urls: list[str]) -> list[AuthenticatedClient]:
    return [AuthenticatedClient(base_url=url, token=os.environ["VAULT_TOKEN"], raise_on_unexpected_status=True) for url in urls]


@pytest.fixture
def unique():
    return lambda prefix: f"{prefix}_{secrets.token_hex(4)}"
