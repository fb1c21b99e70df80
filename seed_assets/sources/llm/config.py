"""Where the model is and how long to wait: read the way the OpenAI SDK reads it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from seed_assets.errors import SeedAssetsError

OPENAI_URL = "https://api.openai.com/v1"
BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"
MODEL_ENV = "SEED_ASSETS_LLM_MODEL"
TIMEOUT_ENV = "SEED_ASSETS_LLM_TIMEOUT"
RETRIES_ENV = "SEED_ASSETS_LLM_RETRIES"
DEFAULT_TIMEOUT = 300.0  # a local model on a CPU can take minutes for a large schema
DEFAULT_RETRIES = 3


class LLMError(SeedAssetsError):
    """The model could not be asked, or gave no usable answer."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    # Never shown: not in repr, and every message from the server is scrubbed of it.
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, model: str | None = None, timeout: float | None = None) -> LLMConfig:
        base_url = (os.environ.get(BASE_URL_ENV) or OPENAI_URL).rstrip("/")
        if not base_url.startswith(("http://", "https://")) or base_url[-3:] == "://":
            raise LLMError(
                f"{BASE_URL_ENV}={base_url!r} is not an http:// or https:// address (e.g. "
                "http://localhost:11434/v1)"
            )
        api_key = os.environ.get(API_KEY_ENV) or None
        model = model or os.environ.get(MODEL_ENV)
        if not model:
            raise LLMError(
                f"no model named: pass --model or set {MODEL_ENV} (e.g. gpt-4o-mini for "
                "OpenAI, llama3.1 for Ollama)"
            )
        if api_key is None and base_url == OPENAI_URL:
            raise LLMError(
                f"{API_KEY_ENV} is not set: OpenAI needs an API key (for a local server such as "
                f"Ollama, set {BASE_URL_ENV}, e.g. http://localhost:11434/v1)"
            )
        if timeout is None:
            timeout = _number(TIMEOUT_ENV, DEFAULT_TIMEOUT)
        retries = int(_number(RETRIES_ENV, DEFAULT_RETRIES))
        if timeout <= 0 or retries < 0:
            raise LLMError(f"{TIMEOUT_ENV} must be > 0 and {RETRIES_ENV} >= 0")
        return cls(base_url=base_url, model=model, timeout=timeout, retries=retries,
                   api_key=api_key)  # fmt: skip

    def scrub(self, text: str) -> str:
        """`text` without the API key (a server may echo it back in an error)."""
        if self.api_key:
            text = text.replace(self.api_key, "***")
        return text


def _number(env: str, default: float) -> float:
    value = os.environ.get(env)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise LLMError(f"{env}={value!r} is not a number") from None
