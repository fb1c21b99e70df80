"""`seed-assets plan URL --llm` against a local OpenAI-compatible server with scripted replies
(seed_assets_tests/llm_server.py): the real client over HTTP, the repair rounds with the
validator's messages, fallbacks, structured-output step-down, retries and every failure."""

from __future__ import annotations

import json
import sqlite3

import jsonschema
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.sources.llm.client import extract_json
from seed_assets.sources.llm.context import mask
from seed_assets_tests.instances import materialize_with_cli
from seed_assets_tests.llm_server import FakeLLM, Reply
from seed_assets_tests.test_plan import SHOP
from seed_assets_tests.test_reflect import load_ddl

runner = CliRunner()
KEY = "sk-test-7f3a9c1e5b2d4a6f8e0c"
EMAIL = "margaret.hamilton@apollo.example"

GOOD = {
    "tables": [
        {
            "name": "customers",
            "record_count": 50,
            "strategy": "Retail and trade buyers with realistic emails and adult ages.",
            "columns": [
                {"name": "email", "faker_provider": "email", "params": {}},
                {"name": "age", "faker_provider": "random_int", "params": {"min": 21, "max": 70}},
            ],
        },
        {
            "name": "orders",
            "record_count": 150,
            "strategy": "About three orders per customer.",
            "columns": [
                {"name": "total", "faker_provider": "pyfloat",
                 "params": {"min_value": 1, "max_value": 500, "right_digits": 2}},
            ],
        },
        {"name": "profiles", "record_count": 30, "strategy": "Some customers write a bio.",
         "columns": [{"name": "bio", "faker_provider": "sentence", "params": {}}]},
    ],
    "insertion_order": ["customers", "orders", "profiles"],
    "rationale": "Customers first, then their orders and profiles.",
}  # fmt: skip


def bad_plan() -> dict:
    """Unknown provider, wrong params, an unknown table and an unknown column."""
    data = json.loads(json.dumps(GOOD))
    customers = data["tables"][0]["columns"]
    customers[0]["faker_provider"] = "emial"
    customers[1]["params"] = {"minimum": 21, "max": 70}
    data["tables"][1]["columns"].append({"name": "totl", "faker_provider": "pyfloat", "params": {}})
    data["tables"].append({"name": "custmers", "record_count": 5, "strategy": "", "columns": []})
    return data


@pytest.fixture
def db(tmp_path) -> str:
    with sqlite3.connect(tmp_path / "shop.sqlite") as conn:
        conn.executescript(SHOP)
    return f"sqlite:///{tmp_path / 'shop.sqlite'}"


@pytest.fixture
def filled_db(tmp_path) -> str:
    path = tmp_path / "filled.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SHOP)
        conn.execute("INSERT INTO customers VALUES (1, ?, 42, 'retail')", (EMAIL,))
        conn.execute("INSERT INTO orders VALUES (1, 1, 99.5, '2024-05-01')")
    return f"sqlite:///{path}"


@pytest.fixture
def llm(monkeypatch):
    server = FakeLLM().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("SEED_ASSETS_LLM_MODEL", "test-model")
    monkeypatch.setenv("SEED_ASSETS_LLM_TIMEOUT", "10")
    yield server
    server.stop()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert KEY not in result.output and KEY not in (result.stderr or "")
    return result


def test_a_valid_answer_becomes_a_plan_that_generates_a_valid_database(llm, db, tmp_path):
    llm.reply(GOOD)
    out = tmp_path / "plan.json"
    result = run("plan", db, "--llm", "--out", str(out))
    assert result.exit_code == 0, result.output
    request = llm.requests[0]
    assert request.body["model"] == "test-model"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.mode == "json_schema"
    schema = request.body["response_format"]["json_schema"]["schema"]
    assert "strategy" in schema["properties"]["tables"]["items"]["required"]
    written = json.loads(out.read_text())
    assert written["rationale"] == GOOD["rationale"]
    assert written["tables"][0]["strategy"] == GOOD["tables"][0]["strategy"]
    assert "fallbacks" not in written
    assert KEY not in out.read_text()
    # The explanation is printed in plain words.
    assert "Customers first, then their orders" in result.output
    assert "About three orders per customer." in result.output
    assert "round 1: the plan is valid" in result.output
    generated = run("generate", str(out), "--target", db, "--validate")
    assert generated.exit_code == 0, generated.output
    assert "PASS" in generated.output
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 50
        ages = conn.execute("SELECT min(age), max(age) FROM customers").fetchone()
        assert ages[0] >= 21 and ages[1] <= 70
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_validators_messages_go_back_and_the_repaired_plan_is_kept(llm, db, tmp_path):
    llm.reply(bad_plan(), GOOD)
    out = tmp_path / "plan.json"
    result = run("plan", db, "--llm", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(llm.requests) == 2
    feedback = llm.requests[1].last_user
    assert "table 'customers', column 'email': unknown Faker provider 'emial'" in feedback
    assert "did you mean email" in feedback
    assert "does not take 'minimum' (did you mean 'min'?)" in feedback
    assert "table 'orders' has no column 'totl'; did you mean 'total'?" in feedback
    assert "no table 'custmers'; did you mean 'customers'?" in feedback
    # The whole conversation is sent again: the model's own answer, then the problems.
    assert llm.requests[1].body["messages"][-2]["role"] == "assistant"
    assert "round 1: 4 problem(s)" in result.output
    assert "round 2: the plan is valid" in result.output
    assert json.loads(out.read_text())["tables"] == GOOD["tables"]


def test_what_stays_invalid_falls_back_to_inference_and_is_listed(llm, db, tmp_path):
    llm.reply(bad_plan(), bad_plan())
    out = tmp_path / "plan.json"
    result = run("plan", db, "--llm", "--max-rounds", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(llm.requests) == 2  # the first answer and one repair round
    written = json.loads(out.read_text())
    fallbacks = written["fallbacks"]
    assert len(fallbacks) == 4
    assert any(
        f.startswith("customers.email: unknown Faker provider")
        and "falls back to the inferred source (inferred: email" in f
        for f in fallbacks
    )
    assert any(f.startswith("orders.totl:") for f in fallbacks)
    assert any(f.startswith("table custmers: dropped") for f in fallbacks)
    assert "4 fallback(s) to inference" in result.output
    names = [t["name"] for t in written["tables"]]
    assert names == ["customers", "orders", "profiles"]
    customers = written["tables"][0]["columns"]
    assert [c["name"] for c in customers] == []  # both its columns were invalid
    generated = run("generate", str(out), "--target", db)
    assert generated.exit_code == 0, generated.output


def test_a_non_json_answer_is_asked_again(llm, db, tmp_path):
    llm.reply("I would suggest using Faker for the emails.", GOOD)
    result = run("plan", db, "--llm", "--out", str(tmp_path / "p.json"))
    assert result.exit_code == 0, result.output
    assert "Your answer is not a JSON plan" in llm.requests[1].last_user
    assert "round 1: the answer is not a JSON plan" in result.output


def test_an_answer_never_json_is_exit_2_and_writes_nothing(llm, db, tmp_path):
    llm.reply("no", "still no", "[1, 2]")
    out = tmp_path / "p.json"
    result = run("plan", db, "--llm", "--max-rounds", "2", "--out", str(out))
    assert result.exit_code == 2
    assert "still not a JSON plan after 3 answer(s) (--max-rounds 2)" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_server_without_json_schema_steps_down_to_json_mode_then_text(monkeypatch, db):
    server = FakeLLM(refuse=("json_schema", "json_object")).start()
    try:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # a local server needs none
        fenced = "Here is the plan:\n```json\n" + json.dumps(GOOD) + "\n```"
        server.reply(fenced)
        result = run("plan", db, "--llm", "--model", "local")
        assert result.exit_code == 0, result.output
        assert [r.mode for r in server.requests] == ["json_schema", "json_object", "text"]
        assert "Authorization" not in server.requests[-1].headers
        assert "refused response_format json_schema" in result.output
        assert json.loads(result.stdout)["tables"] == GOOD["tables"]
    finally:
        server.stop()


def test_json_mode_is_kept_for_the_following_rounds(monkeypatch, db):
    server = FakeLLM(refuse=("json_schema",)).start()
    try:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        server.reply(bad_plan(), GOOD)
        result = run("plan", db, "--llm", "--model", "m")
        assert result.exit_code == 0, result.output
        assert [r.mode for r in server.requests] == ["json_schema", "json_object", "json_object"]
    finally:
        server.stop()


def test_a_model_that_refuses_temperature_0_is_asked_with_its_default(monkeypatch, db):
    server = FakeLLM(refuse=("temperature",)).start()
    try:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        server.reply(GOOD)
        result = run("plan", db, "--llm", "--model", "o3-mini")
        assert result.exit_code == 0, result.output
        assert [r.body.get("temperature") for r in server.requests] == [0, None]
        assert server.requests[-1].mode == "json_schema"  # not mistaken for a schema refusal
        assert "refused temperature 0" in result.output
    finally:
        server.stop()


def test_429_is_retried_then_the_answer_is_used(llm, db):
    llm.reply(Reply(status=429, body={"error": {"message": "slow down"}},
                    headers={"Retry-After": "0"}), GOOD)  # fmt: skip
    result = run("plan", db, "--llm")
    assert result.exit_code == 0, result.output
    assert len(llm.requests) == 2


def test_5xx_after_every_retry_is_exit_2(llm, db, monkeypatch):
    monkeypatch.setenv("SEED_ASSETS_LLM_RETRIES", "1")
    busy = Reply(
        status=503, body={"error": {"message": "overloaded"}}, headers={"Retry-After": "0"}
    )
    llm.reply(busy, busy, GOOD)
    result = run("plan", db, "--llm")
    assert result.exit_code == 2
    assert "still answered HTTP 503 after 2 tries: overloaded" in result.output
    assert len(llm.requests) == 2


def test_a_bad_key_is_exit_2_and_the_key_is_never_shown(llm, db, tmp_path):
    # The server echoes the key it got, as some do: the message must not show it.
    llm.reply(Reply(status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    out = tmp_path / "p.json"
    result = run("plan", db, "--llm", "--out", str(out))
    assert result.exit_code == 2
    assert "refused the API key (HTTP 401: Incorrect API key provided: ***)" in result.output
    assert "check OPENAI_API_KEY" in result.output
    assert not out.exists()


def test_a_slow_answer_is_a_timeout(llm, db, monkeypatch):
    monkeypatch.setenv("SEED_ASSETS_LLM_TIMEOUT", "0.5")
    llm.reply(Reply(content=json.dumps(GOOD), delay=3))
    result = run("plan", db, "--llm")
    assert result.exit_code == 2
    assert "gave no answer within 0.5 s" in result.output


def test_no_server_is_exit_2(llm, db, monkeypatch):
    closed = FakeLLM()
    url = closed.base_url
    closed.stop()  # bound, never served, now closed: nothing listens there
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    result = run("plan", db, "--llm")
    assert result.exit_code == 2
    assert "cannot reach the LLM server at " + url in result.output
    assert "Traceback" not in result.output


def test_an_unknown_model_is_exit_2(llm, db):
    llm.reply(Reply(status=404, body={"error": {"message": "model 'nope' not found"}}))
    result = run("plan", db, "--llm", "--model", "nope")
    assert result.exit_code == 2
    assert "has no model 'nope'" in result.output


def test_no_model_named_is_exit_2(llm, db, monkeypatch):
    monkeypatch.delenv("SEED_ASSETS_LLM_MODEL")
    result = run("plan", db, "--llm")
    assert result.exit_code == 2
    assert "no model named: pass --model or set SEED_ASSETS_LLM_MODEL" in result.output
    assert llm.requests == []


def test_the_model_sees_no_row_values_without_samples(llm, filled_db):
    llm.reply(GOOD)
    result = run("plan", filled_db, "--llm")
    assert result.exit_code == 0, result.output
    sent = json.dumps(llm.requests[0].body)
    assert EMAIL not in sent and "99.5" not in sent
    assert "rows in the database now: 1" in sent


def test_samples_are_masked_where_the_column_may_hold_personal_data(llm, filled_db):
    llm.reply(GOOD)
    result = run("plan", filled_db, "--llm", "--with-samples")
    assert result.exit_code == 0, result.output
    prompt = llm.requests[0].last_user
    assert EMAIL not in prompt
    assert f"[samples (masked): {mask(EMAIL)}]" in prompt
    assert mask(EMAIL) == "xxxxxxxx.xxxxxxxx@xxxxxx.xxxxxxx"
    assert "[samples: 99.5]" in prompt  # an amount is no personal data
    assert "[samples: retail]" in prompt


def test_prompt_prints_the_exact_prompt(llm, db):
    llm.reply(GOOD)
    printed = run("plan", db, "--prompt")
    assert printed.exit_code == 0, printed.output
    assert llm.requests == []  # nothing asked
    text = printed.stdout
    assert "Table customers (rows in the database now: 0; default plan: 200 rows)" in text
    assert "Table orders (rows in the database now: 0; default plan: 600 rows)" in text
    assert "foreign key: customer_id -> customers(customer_id) (about 3 per customers)" in text
    assert "customer_id integer NOT NULL [leave out: numbered key]" in text
    assert "check: total > 0" in text
    assert '"title":"seed-assets generation plan"' in text
    assert "random_element" in text
    asked = run("plan", db, "--llm")
    assert asked.exit_code == 0, asked.output
    messages = llm.requests[0].body["messages"]
    assert text == "".join(
        f"### {m['role']}\n\n{m['content']}" + ("\n\n" if i < len(messages) - 1 else "\n")
        for i, m in enumerate(messages)
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"tables": []}',
        'Sure.\n```json\n{"tables": []}\n```\nEnjoy!',
        '<think>{"no": 1} is a plan?</think>\n{"tables": []}',
    ],
)
def test_json_is_extracted_from_an_answer(text):
    assert extract_json(text) == {"tables": []}


def test_an_answer_without_json_is_refused():
    with pytest.raises(ValueError, match="not JSON"):
        extract_json("I cannot do that.")


def test_the_plan_runs_unchanged_through_dagster(llm, db, tmp_path):
    """SEED_ASSETS_SPECS names the written plan, SEED_ASSETS_TARGET_URL the database it was
    planned for: Dagster lays the plan over that database, as `generate --target` does."""
    llm.reply(GOOD)
    out = tmp_path / "shop_plan.json"
    assert run("plan", db, "--llm", "--out", str(out)).exit_code == 0
    materialized = materialize_with_cli(tmp_path, str(out), db)
    assert materialized.returncode == 0, materialized.stderr[-3000:]
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 50
        ages = conn.execute("SELECT min(age), max(age) FROM customers").fetchone()
        assert ages[0] >= 21 and ages[1] <= 70  # the plan's provider, not the inferred 18-80
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        assert 100 < orders < 200  # about 150: drawn per customer
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # The keys come from reflection (a plan alone has no foreign keys).
        joined = "SELECT count(*) FROM orders JOIN customers USING (customer_id)"
        assert conn.execute(joined).fetchone()[0] == orders
        placed = conn.execute("SELECT min(placed_on) FROM orders").fetchone()[0]
        assert placed >= "2020-01-01"  # the inferred dates of a column the plan left out


PG_PLAN = {
    "tables": [
        {"name": "users", "record_count": 40, "strategy": "Shoppers.", "columns": [
            {"name": "email", "faker_provider": "email", "params": {}},
            {"name": "full_name", "faker_provider": "name", "params": {}}]},
        {"name": "orders", "record_count": 120, "strategy": "Orders in every status.",
         "columns": [{"name": "status", "faker_provider": "random_element",
                      "params": {"elements": ["paid", "lost"]}}]},
        {"name": "order_items", "record_count": 300, "strategy": "Lines of an order.",
         "columns": [{"name": "quantity", "faker_provider": "random_int",
                      "params": {"min": 1, "max": 5}}]},
    ],
    "insertion_order": ["orders", "users", "order_items"],
    "rationale": "A small shop.",
}  # fmt: skip


def test_on_postgresql_an_enum_value_and_the_order_fall_back_and_the_plan_generates(
    llm, pg_url, tmp_path
):
    load_ddl(pg_url, "pg_shop.sql")
    llm.reply(PG_PLAN, PG_PLAN)
    result = run("plan", pg_url, "--llm", "--max-rounds", "1")
    assert result.exit_code == 0, result.output
    feedback = llm.requests[1].last_user
    assert "table 'orders', column 'status': the provider gives 'lost'" in feedback
    assert "insertion_order puts orders before users" in feedback
    prompt = llm.requests[0].last_user
    assert "ENUM('pending', 'paid', 'shipped', 'delivered', 'refunded')" in prompt
    assert "check: shipped_at IS NULL OR shipped_at >= placed_at" in prompt
    written = json.loads(result.stdout)
    assert [f.split(":")[0] for f in written["fallbacks"]] == ["orders.status", "insertion_order"]
    orders = next(t for t in written["tables"] if t["name"] == "orders")
    assert orders["columns"] == []
    # Replaced by the foreign keys' order, over the plan's tables.
    order = written["insertion_order"]
    assert order.index("users") < order.index("orders") < order.index("order_items")
    path = tmp_path / "pg_plan.json"
    path.write_text(result.stdout)
    generated = run("generate", str(path), "--target", pg_url, "--validate")
    assert generated.exit_code == 0, generated.output
    assert "PASS" in generated.output


def test_on_postgresql_samples_are_read_and_masked(pg_url):
    load_ddl(pg_url, "pg_shop.sql")
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (email, full_name, country, signed_up) VALUES "
            f"('{EMAIL}', 'Margaret Hamilton', 'US', '2024-01-02T03:04:05Z')"
        )
    engine.dispose()
    result = run("plan", pg_url, "--prompt", "--with-samples")
    assert result.exit_code == 0, result.output
    assert EMAIL not in result.stdout and "Hamilton" not in result.stdout
    assert f"[samples (masked): {mask(EMAIL)}]" in result.stdout
    assert "[samples (masked): xxxxxxxx xxxxxxxx]" in result.stdout  # full_name
    assert "Table users (rows in the database now: 1;" in result.stdout
    assert "is_staff boolean NOT NULL DEFAULT false [now:" in result.stdout
    assert "[samples: False]" in result.stdout


HR_PLAN = {
    "tables": [
        {"name": "departments", "record_count": 30, "strategy": "Some departments.",
         "columns": [{"name": "dept_name", "faker_provider": "job", "params": {}}]},
        {"name": "employees", "record_count": 300, "strategy": "Staff of each department.",
         "columns": [{"name": "first_name", "faker_provider": "first_name", "params": {}},
                     {"name": "gender", "faker_provider": "random_element",
                      "params": {"elements": ["M", "F", "X"]}}]},
        {"name": "salaries", "record_count": 600, "strategy": "Two salary periods each.",
         "columns": [{"name": "salary", "faker_provider": "random_int",
                      "params": {"min": 30000, "max": 150000}}]},
    ],
    "insertion_order": ["departments", "employees", "salaries"],
    "rationale": "Departments and their staff; the manager link is filled afterwards.",
}  # fmt: skip


def test_on_mariadb_a_plan_over_a_foreign_key_cycle_generates(llm, mysql_url, tmp_path):
    load_ddl(mysql_url, "mysql_hr.sql")
    llm.reply(HR_PLAN)
    out = tmp_path / "hr_plan.json"
    result = run("plan", mysql_url, "--llm", "--with-samples", "--out", str(out))
    assert result.exit_code == 0, result.output
    prompt = llm.requests[0].last_user
    assert "- gender string(1) NOT NULL ENUM('M', 'F', 'X') [now:" in prompt
    assert "- salary integer UNSIGNED NOT NULL [now: salary 30k-150k]" in prompt
    assert "[samples (masked): none]" in prompt  # an empty table: nothing to show
    generated = run("generate", str(out), "--target", mysql_url, "--validate")
    assert generated.exit_code == 0, generated.output
    assert "PASS" in generated.output


def test_a_plan_with_nothing_usable_falls_back_whole_to_the_inferred_plan(llm, db, tmp_path):
    llm.reply({"tables": []}, {"tables": []})
    out = tmp_path / "p.json"
    result = run("plan", db, "--llm", "--max-rounds", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "plan: the plan lists no tables" in llm.requests[1].last_user
    written = json.loads(out.read_text())
    assert written["fallbacks"] == ["the whole plan: plan: the plan lists no tables"]
    assert [t["name"] for t in written["tables"]] == ["customers", "orders", "profiles"]
    assert run("generate", str(out), "--target", db).exit_code == 0


def test_llm_options_need_llm(db):
    result = run("plan", db, "--model", "m")
    assert result.exit_code == 2
    assert "--model, --max-rounds and --timeout go with --llm" in result.output


def test_the_plan_schema_accepts_a_written_plan_and_refuses_unknown_keys(llm, db, tmp_path):
    """The schema the model is given agrees with the validator on the plan --llm writes."""
    printed = run("schema", "--plan")
    assert printed.exit_code == 0
    schema = json.loads(printed.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    llm.reply(bad_plan(), bad_plan())
    out = tmp_path / "p.json"
    assert run("plan", db, "--llm", "--max-rounds", "1", "--out", str(out)).exit_code == 0
    jsonschema.validate(json.loads(out.read_text()), schema)  # fallbacks included
    with pytest.raises(jsonschema.ValidationError, match="strateg"):
        jsonschema.validate({"tables": [{"name": "a", "record_count": 1, "columns": [],
                                         "strateg": "x"}]}, schema)  # fmt: skip


def test_the_answer_with_the_fewest_problems_is_the_one_kept(llm, db, tmp_path):
    almost = json.loads(json.dumps(GOOD))
    almost["tables"][2]["columns"][0]["faker_provider"] = "sentense"
    llm.reply(bad_plan(), almost, bad_plan())
    out = tmp_path / "p.json"
    result = run("plan", db, "--llm", "--max-rounds", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "round 2: 1 problem(s)" in result.output and "round 3: 4 problem(s)" in result.output
    written = json.loads(out.read_text())
    assert [f.split(":")[0] for f in written["fallbacks"]] == ["profiles.bio"]
    assert written["tables"][:2] == GOOD["tables"][:2]


@pytest.mark.parametrize("address", ["localhost:11434/v1", "http://", "ftp://host/v1"])
def test_a_base_url_that_is_no_http_address_is_exit_2(llm, db, monkeypatch, address):
    monkeypatch.setenv("OPENAI_BASE_URL", address)
    result = run("plan", db, "--llm")
    assert result.exit_code == 2, result.output
    assert "is not an http:// or https:// address" in result.output


def test_a_server_that_hangs_up_is_exit_2(llm, db):
    llm.reply(Reply(hang_up=True))
    result = run("plan", db, "--llm")
    assert result.exit_code == 2
    assert f"the connection to the LLM server at {llm.base_url} failed" in result.output


def test_every_kind_of_problem_falls_back_on_its_own(llm, db, tmp_path):
    """With no repair round, each invalid part is set aside alone and the rest is kept."""
    data = json.loads(json.dumps(GOOD))
    data["notes"] = "an unknown top-level key"
    customers, orders, profiles = data["tables"]
    customers["strateg"] = "a misspelt key"
    customers["columns"] += [
        {"name": "customer_id", "faker_provider": "random_int", "params": {}},  # the key
        {"name": "age", "faker_provider": "word", "params": {}},  # listed twice, and no integer
    ]
    orders["columns"].append({"name": "customer_id", "faker_provider": "random_int", "params": {}})
    profiles["record_count"] = 999  # at most one profile per customer
    llm.reply(data)
    out = tmp_path / "p.json"
    result = run("plan", db, "--llm", "--max-rounds", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(llm.requests) == 1
    written = json.loads(out.read_text())
    got = {f.split(" (")[0].split(": ")[0]: f for f in written["fallbacks"]}
    assert set(got) == {"`notes` dropped", "customers", "customers.customer_id",
                        "customers.age", "orders.customer_id", "profiles"}, got  # fmt: skip
    assert "unknown key 'strateg'" in got["customers"]
    assert "leave it out of the plan" in got["orders.customer_id"]
    assert "more than one per customers row" in got["profiles"]
    assert "notes" not in written
    kept = {c["name"]: c["faker_provider"] for c in written["tables"][0]["columns"]}
    assert kept == {"email": "email", "age": "random_int"}  # the first `age` stays
    assert "record_count" not in written["tables"][2]
    assert run("generate", str(out), "--target", db).exit_code == 0


@pytest.mark.parametrize(
    ("column", "provider", "pii"),
    [("email", None, True), ("contact", "phone_number", True), ("BirthDate", None, True),
     ("total", None, False), ("status", "random_element", False), ("notes", "paragraph", False)],
)  # fmt: skip
def test_pii_columns_are_told_by_name_or_provider(column, provider, pii):
    from seed_assets.sources.llm.context import is_pii

    assert is_pii(column, {"faker": provider}) is pii


def test_a_masked_value_keeps_only_its_shape():
    assert mask("Zoë O'Neil, +44 20 7946 0958") == "xxx x'xxxx, +99 99 9999 9999"
