"""Request bodies of `POST /sessions` and `POST /sessions/{id}/prompt`, checked like the real server does.

Field errors are collected in the shape FastAPI/pydantic v2 uses (`[{type, loc, msg, input, ctx?}]`) and
raised together as one `ApiError(422, [...])`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ['ApiError', 'CreateRequest', 'PromptRequest', 'parse_create', 'parse_json', 'parse_prompt']

TIMEOUT_MIN, TIMEOUT_MAX, TIMEOUT_DEFAULT = 10, 3600, 600
MAX_RESOURCES = 10


class ApiError(Exception):
    """An error answer: `{"detail": detail, **extra}` with `status`."""

    def __init__(self, status: int, detail: Any, **extra: Any) -> None:
        super().__init__(f'{status}: {detail!r}')
        self.status = status
        self.detail = detail
        self.extra = extra


@dataclass
class PromptRequest:
    """A valid follow-up prompt."""

    prompt: str
    timeout: int = TIMEOUT_DEFAULT


@dataclass
class CreateRequest:
    """A valid `POST /sessions` body; `resources` are as they will be echoed (no tokens)."""

    agent_id: str
    prompt: str
    timeout: int = TIMEOUT_DEFAULT
    environment_id: str | None = None
    resources: list[dict[str, Any]] = field(default_factory=list)
    secret_env_vars: dict[str, str] = field(default_factory=dict)


def parse_json(raw: bytes) -> Any:
    """The decoded body, or `ApiError(400, "Invalid JSON")`."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, 'Invalid JSON') from None


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, loc: tuple[str | int, ...], msg: str, value: Any, **ctx: Any) -> None:
        error: dict[str, Any] = {'type': kind, 'loc': ['body', *loc], 'msg': msg, 'input': value}
        if ctx:
            error['ctx'] = ctx
        self.items.append(error)

    def raise_any(self) -> None:
        if self.items:
            raise ApiError(422, self.items)


def _string(errors: _Errors, body: dict[str, Any], name: str, *, required: bool, non_empty: bool = False,
            loc: tuple[str | int, ...] = ()) -> str | None:
    if name not in body or (body[name] is None and not required):
        if required:
            errors.add('missing', (*loc, name), 'Field required', body)
        return None
    value = body[name]
    if not isinstance(value, str):
        errors.add('string_type', (*loc, name), 'Input should be a valid string', value)
        return None
    if non_empty and not value.strip():
        errors.add('string_too_short', (*loc, name), 'String should have at least 1 character', value, min_length=1)
        return None
    return value


def _integer_text(text: str) -> bool:
    return text.strip().removeprefix('-').isdigit()


def _timeout(errors: _Errors, body: dict[str, Any]) -> int:
    if body.get('timeout') is None:
        return TIMEOUT_DEFAULT
    value = body['timeout']
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and _integer_text(value)):
        number = int(value)
    if number is None:
        errors.add('int_parsing', ('timeout',), 'Input should be a valid integer', value)
        return TIMEOUT_DEFAULT
    if number < TIMEOUT_MIN:
        errors.add('greater_than_equal', ('timeout',), f'Input should be greater than or equal to {TIMEOUT_MIN}',
                   value, ge=TIMEOUT_MIN)
    elif number > TIMEOUT_MAX:
        errors.add('less_than_equal', ('timeout',), f'Input should be less than or equal to {TIMEOUT_MAX}',
                   value, le=TIMEOUT_MAX)
    return number


def _object(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    errors = _Errors()
    errors.add('model_attributes_type', (), 'Input should be a valid dictionary or object to extract fields from', body)
    raise ApiError(422, errors.items)


def parse_prompt(body: Any) -> PromptRequest:
    """Check a follow-up prompt body."""
    body = _object(body)
    errors = _Errors()
    prompt = _string(errors, body, 'prompt', required=True, non_empty=True)
    timeout = _timeout(errors, body)
    errors.raise_any()
    assert prompt is not None
    return PromptRequest(prompt=prompt, timeout=timeout)


def parse_create(body: Any) -> CreateRequest:
    """Check a `POST /sessions` body."""
    body = _object(body)
    errors = _Errors()
    agent_id = _string(errors, body, 'agent_id', required=True)
    prompt = _string(errors, body, 'prompt', required=True, non_empty=True)
    timeout = _timeout(errors, body)
    environment_id = _string(errors, body, 'environment_id', required=False)
    resources = _resources(errors, body.get('resources'))
    secrets = _secrets(errors, body.get('secret_env_vars'))
    errors.raise_any()
    assert agent_id is not None and prompt is not None
    return CreateRequest(agent_id=agent_id, prompt=prompt, timeout=timeout, environment_id=environment_id,
                         resources=resources, secret_env_vars=secrets)


def _resources(errors: _Errors, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add('list_type', ('resources',), 'Input should be a valid list', value)
        return []
    if len(value) > MAX_RESOURCES:
        errors.add('too_long', ('resources',),
                   f'List should have at most {MAX_RESOURCES} items after validation, not {len(value)}', value,
                   field_type='List', max_length=MAX_RESOURCES, actual_length=len(value))
        return []
    kept: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        loc = ('resources', index)
        if not isinstance(item, dict):
            errors.add('model_type', loc, 'Input should be a valid dictionary or instance of SessionResourceIn', item)
            continue
        if item.get('type') != 'github_repository':
            if 'type' not in item:
                errors.add('missing', (*loc, 'type'), 'Field required', item)
            else:
                errors.add('literal_error', (*loc, 'type'), "Input should be 'github_repository'", item['type'],
                           expected="'github_repository'")
        url = _string(errors, item, 'url', required=True, loc=loc)
        mount_path = _string(errors, item, 'mount_path', required=False, loc=loc)
        _string(errors, item, 'authorization_token', required=False, loc=loc)
        if url is not None:
            kept.append({'type': 'github_repository', 'url': url, 'mount_path': mount_path})
    paths = [resource['mount_path'] for resource in kept if resource['mount_path']]
    if len(paths) != len(set(paths)):
        message = 'mount_path values must be unique'
        errors.add('value_error', ('resources',), f'Value error, {message}', value, error=message)
    return kept


def _secrets(errors: _Errors, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add('dict_type', ('secret_env_vars',), 'Input should be a valid dictionary', value)
        return {}
    for key, item in value.items():
        if not isinstance(item, str):
            errors.add('string_type', ('secret_env_vars', key), 'Input should be a valid string', item)
    return {key: item for key, item in value.items() if isinstance(item, str)}
