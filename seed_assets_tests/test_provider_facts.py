"""Checking a spec's Faker providers from facts kept on disk (providers/provider_facts.py)
answers exactly as Faker itself does, and a kept file that is broken is made again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from seed_assets_tests.conftest import ROOT

# Every answer the checks give: accepted or the message, and the sampled values.
CHECKS = """
import json
from seed_assets.providers import faker_pool

cases = [
    ("name", {}, "en_IN"),
    ("nmae", {}, "en_IN"),
    ("pyint", {"mn": 1}, "en_US"),
    ("pyint", {"min_value": 1, "max_value": 5}, "en_US"),
    ("regex", {"pattern": "^[A-Z]{3}$"}, "en_US"),
    ("regex", {}, "en_US"),
    ("like", {"pattern": "A%", "x": 1}, "de_DE"),
    ("pydecimal", {"left_digits": 3}, "en_US"),
    ("email", {"domain": "x.org"}, "fr_FR"),
    ("name", {}, "xx_XX"),
    ("name", {}, "en_UX"),
    ("binary", {"length": 4}, "en_US"),
    ("random_element", {"elements": ["a", "b"]}, "en_US"),
    ("bothify", {"text": "??-##", "letters": "AB"}, "en_US"),
    ("pyint", {"min_value": 5, "max_value": 1}, "en_US"),
]
answers = []
for name, params, locale in cases:
    try:
        faker_pool.check_provider(name, params, locale)
        answers.append(["ok", repr(faker_pool.sample_values(name, params, locale, n=3))])
    except ValueError as exc:
        answers.append(["refused", str(exc)])
answers.append(list(faker_pool.provider_names("en_IN")))
print(json.dumps(answers))
"""


def _answers(cache: str) -> list:
    env = {**os.environ, "SEED_ASSETS_POOL_CACHE": cache}
    done = subprocess.run(
        [sys.executable, "-c", CHECKS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_kept_facts_answer_as_faker_does(tmp_path):
    folder = str(tmp_path / "cache")
    from_faker = _answers("off")
    assert _answers(folder) == from_faker  # drawn from Faker, then kept
    kept = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert any(name.startswith("providers-") for name in kept)
    assert any(name.startswith("locales-") for name in kept)
    assert _answers(folder) == from_faker  # read back
    refused = [a[1] for a in from_faker[:-1] if a[0] == "refused"]
    assert "unknown Faker provider 'nmae' for locale en_IN; did you mean name" in refused[0]
    assert any("does not take 'mn'" in message for message in refused)
    assert "name" in from_faker[-1] and "regex" in from_faker[-1] and "seed" not in from_faker[-1]


def test_a_broken_kept_file_is_made_again(tmp_path):
    folder = tmp_path / "cache"
    from_faker = _answers(str(folder))
    for path in folder.glob("providers-*.json"):
        path.write_text('{"name": [["x", 9, true]]}')  # not what a table holds
    for path in folder.glob("locales-*.json"):
        path.write_text("[")  # not JSON
    assert _answers(str(folder)) == from_faker
    for path in folder.glob("providers-*.json"):
        table = json.loads(path.read_text())
        assert table["name"] != [["x", 9, True]] and table["regex"] == [["pattern", 1, False]]
    for path in folder.glob("locales-*.json"):
        assert "en_IN" in json.loads(path.read_text())
