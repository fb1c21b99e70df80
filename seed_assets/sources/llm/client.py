"""One Chat Completions call to an OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM,
llama.cpp's server, LM Studio), with retries and the structured output the server supports.

Structured output steps down when the server refuses it (HTTP 400/422 naming the request):
``json_schema`` (the plan's JSON Schema) -> ``json_object`` (JSON mode) -> plain text, from
which ``extract_json`` takes the JSON. The step reached is kept for the next rounds.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from typing import Any

import httpx

from seed_assets.sources.llm.config import (
    API_KEY_ENV,
    BASE_URL_ENV,
    TIMEOUT_ENV,
    LLMConfig,
    LLMError,
)

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "text")
_RETRIED = {429, 500, 502, 503, 504}
_STEP_DOWN = {400, 422}
_MAX_WAIT = 30.0  # seconds: the longest Retry-After honoured


class ChatClient:
    """Asks the configured model; `mode` is the structured output the server accepted last."""

    def __init__(self, config: LLMConfig, schema: dict[str, Any] | None = None) -> None:
        self.config = config
        self.schema = schema
        self.mode = MODES[0] if schema is not None else MODES[1]
        self.steps: list[str] = []  # why the mode stepped down, for the user
        self.temperature: float | None = 0  # steady answers, unless the model refuses it
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._http = httpx.Client(headers=headers, timeout=config.timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        """The server's address without any credentials in it."""
        url = httpx.URL(self.config.base_url)
        return str(url.copy_with(username=None, password=None))

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's answer (its message content) to `messages`."""
        while True:
            body: dict[str, Any] = {"model": self.config.model, "messages": messages}
            if self.temperature is not None:
                body["temperature"] = self.temperature
            if self.mode == "json_schema":
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "seed_assets_plan", "schema": self.schema,
                                    "strict": False},
                }  # fmt: skip
            elif self.mode == "json_object":
                body["response_format"] = {"type": "json_object"}
            response = self._post(body)
            detail = self._detail(response) if response.status_code in _STEP_DOWN else ""
            if self.temperature is not None and "temperature" in detail.lower():
                # Reasoning models take only their default temperature.
                self.steps.append(f"the model refused temperature 0 ({detail}); using its default")
                self.temperature = None
                continue
            if response.status_code in _STEP_DOWN and self.mode != "text":
                following = MODES[MODES.index(self.mode) + 1]
                self.steps.append(
                    f"the server refused response_format {self.mode} (HTTP "
                    f"{response.status_code}: {detail}); using {following}"
                )
                self.mode = following
                continue
            if response.status_code >= 400:
                raise self._refusal(response)
            return self._content(response)

    # -- HTTP --------------------------------------------------------------------------------

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        url = f"{self.config.base_url}/chat/completions"
        for attempt in range(self.config.retries + 1):
            try:
                response = self._http.post(url, json=body)
            except httpx.TimeoutException:
                raise LLMError(
                    f"the LLM server at {self.where} gave no answer within "
                    f"{self.config.timeout:g} s (raise {TIMEOUT_ENV} or --timeout for a slow "
                    "model)"
                ) from None
            except httpx.InvalidURL as exc:
                raise LLMError(f"{BASE_URL_ENV} is not a valid address: {exc}") from None
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                raise LLMError(
                    f"cannot reach the LLM server at {self.where} "
                    f"({self.config.scrub(str(exc)) or type(exc).__name__}): is it running? "
                    f"{BASE_URL_ENV} sets its address (Ollama: http://localhost:11434/v1)"
                ) from None
            except httpx.TransportError as exc:  # the connection broke during the exchange
                raise LLMError(
                    f"the connection to the LLM server at {self.where} failed: "
                    f"{self.config.scrub(str(exc)) or type(exc).__name__}"
                ) from None
            if response.status_code not in _RETRIED or attempt == self.config.retries:
                return response
            wait = self._wait(response, attempt)
            log.info("HTTP %s from the LLM server; retrying in %.1f s", response.status_code, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns on its last attempt

    @staticmethod
    def _wait(response: httpx.Response, attempt: int) -> float:
        """The server's Retry-After when it gives one, else exponential backoff with jitter."""
        after = response.headers.get("retry-after")
        try:
            return min(max(float(after), 0.0), _MAX_WAIT)
        except (TypeError, ValueError):
            return min(2.0**attempt, _MAX_WAIT) * (0.5 + random.random() / 2)

    def _detail(self, response: httpx.Response) -> str:
        """The server's error message (OpenAI's shape, else the body), without the key."""
        try:
            data = response.json()
            error = data.get("error", data) if isinstance(data, dict) else data
            text = error.get("message", error) if isinstance(error, dict) else error
        except ValueError:
            text = response.text
        return self.config.scrub(str(text).strip())[:300] or "no message"

    def _refusal(self, response: httpx.Response) -> LLMError:
        status = response.status_code
        detail = self._detail(response)
        if status in (401, 403):
            return LLMError(
                f"the LLM server at {self.where} refused the API key (HTTP {status}: {detail}); "
                f"check {API_KEY_ENV}"
            )
        if status == 404:
            return LLMError(
                f"the LLM server at {self.where} has no model {self.config.model!r} or no "
                f"/chat/completions (HTTP 404: {detail}); check --model and that {BASE_URL_ENV} "
                "ends in /v1 (Ollama: `ollama pull MODEL` first)"
            )
        if status in _RETRIED:
            return LLMError(
                f"the LLM server at {self.where} still answered HTTP {status} after "
                f"{self.config.retries + 1} tries: {detail}"
            )
        return LLMError(f"the LLM server at {self.where} refused the request (HTTP {status}: "
                        f"{detail})")  # fmt: skip

    def _content(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            message = data["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(
                f"the answer of the LLM server at {self.where} is not a Chat Completions "
                f"response: {self.config.scrub(response.text[:200])!r}"
            ) from None
        content = message.get("content") if isinstance(message, dict) else None
        if not content and isinstance(message, dict) and message.get("refusal"):
            return f"(refused: {message['refusal']})"
        return content or ""


_THINKING = re.compile(r"<think>.*?</think>", re.S)  # reasoning models' preamble (deepseek-r1)


def extract_json(text: str) -> Any:
    """The JSON in a model's answer: the whole text, else the first JSON object in it (after a
    reasoning preamble, inside a ``` fence, or after some prose). ValueError when there is none."""
    text = _THINKING.sub("", text).strip()
    try:
        return json.loads(text)
    except ValueError as first:
        problem = first
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        return value
    raise ValueError(f"not JSON ({problem}); it begins {text[:80]!r}")
