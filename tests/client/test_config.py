"""Configuration precedence and the errors raised before any request is sent."""

from __future__ import annotations

import pytest

from dxtra_typed import ConfigurationError
from dxtra_typed._config import DEFAULT_API_URL, DEFAULT_AUTH_URL, resolve_config

PAT = "0b5e8a5c-2f37-4c47-9f3e-5b8f1f0e6a11"


def test_defaults_are_production_urls_and_user_role() -> None:
    config = resolve_config(api_key=PAT, env={})
    assert config.auth_url == DEFAULT_AUTH_URL == "https://auth.dxtra.ai"
    assert config.api_url == DEFAULT_API_URL == "https://api.dxtra.ai/v1/graphql"
    assert config.role == "user"
    assert config.api_key is not None and config.api_key.reveal() == PAT


def test_arguments_beat_environment_which_beats_defaults() -> None:
    env = {
        "DXTRA_API_KEY": "env-key",
        "DXTRA_AUTH_URL": "http://127.0.0.1:1",
        "DXTRA_API_URL": "http://127.0.0.1:2/v1/graphql",
        "DXTRA_ROLE": "me",
    }
    from_env = resolve_config(env=env)
    assert (from_env.auth_url, from_env.api_url, from_env.role) == (
        "http://127.0.0.1:1",
        "http://127.0.0.1:2/v1/graphql",
        "me",
    )
    assert from_env.api_key is not None and from_env.api_key.reveal() == "env-key"
    explicit = resolve_config(api_key=PAT, role="user", auth_url="http://127.0.0.1:3", env=env)
    assert explicit.role == "user"
    assert explicit.auth_url == "http://127.0.0.1:3"
    assert explicit.api_url == "http://127.0.0.1:2/v1/graphql"
    assert explicit.api_key is not None and explicit.api_key.reveal() == PAT


def test_docs_style_auth_url_with_endpoint_path_is_accepted() -> None:
    # Dxtra's auth page sets AUTH_URL=https://auth.dxtra.ai/v1/signin/pat.
    config = resolve_config(
        api_key=PAT, env={"DXTRA_AUTH_URL": "https://auth.dxtra.ai/v1/signin/pat/"}
    )
    assert config.auth_url == "https://auth.dxtra.ai"


def test_key_whitespace_from_copy_paste_is_trimmed() -> None:
    config = resolve_config(api_key=f"  {PAT}\n", env={})
    assert config.api_key is not None and config.api_key.reveal() == PAT


@pytest.mark.parametrize("role", ["user", "me", "dataSubject"])
def test_missing_key_for_a_role_that_needs_one_fails_before_any_request(role: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_config(role=role, env={})
    message = str(info.value)
    assert "DXTRA_API_KEY" in message and repr(role) in message


@pytest.mark.parametrize("role", ["anonymous", "public"])
def test_tokenless_roles_need_no_key(role: str) -> None:
    config = resolve_config(role=role, env={})
    assert config.api_key is None and not config.needs_token


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"api_url": "api.dxtra.ai/v1/graphql"}, "DXTRA_API_URL"),
        ({"auth_url": "ftp://auth.dxtra.ai"}, "DXTRA_AUTH_URL"),
        ({"role": "user; drop"}, "DXTRA_ROLE"),
    ],
)
def test_bad_settings_name_the_setting(kwargs: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        resolve_config(
            api_key=PAT,
            env={},
            api_url=kwargs.get("api_url"),
            auth_url=kwargs.get("auth_url"),
            role=kwargs.get("role"),
        )


@pytest.mark.parametrize(
    "url", ["http://api.dxtra.ai/v1/graphql", "http://10.0.0.5/v1/graphql", "http://[fe80::1]/"]
)
def test_plain_http_is_refused_except_to_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match="unencrypted"):
        resolve_config(api_key=PAT, api_url=url, env={})
    allowed = resolve_config(api_key=PAT, api_url=url, env={}, allow_insecure_http=True)
    assert allowed.api_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1/graphql", "http://localhost/v1/graphql", "http://[::1]:1/"]
)
def test_plain_http_to_loopback_is_fine(url: str) -> None:
    assert resolve_config(api_key=PAT, api_url=url, env={}).api_url == url.rstrip("/")


def test_empty_environment_values_count_as_unset() -> None:
    config = resolve_config(api_key=PAT, env={"DXTRA_ROLE": "", "DXTRA_API_URL": "  "})
    assert config.role == "user" and config.api_url == DEFAULT_API_URL
