"""The semantic model file's schema: every problem named by its dotted path, one line each."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.cli import main
from bot.data import DataAccess
from bot.data.schema import SchemaInfo
from bot.errors import ConfigError
from bot.understanding.model import ROLE_KINDS, build_model, load_overlay
from bot.understanding.model_file import MAX_PROBLEMS, read_model_file, validate_model_file

SAMPLE = Path(__file__).parents[1] / "bot" / "sample" / "club.swoop.yaml"
WHERE = "The semantic model file club.swoop.yaml"


def sample() -> dict[str, Any]:
    return dict(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))


def edited(path: str, value: Any) -> dict[str, Any]:
    """The sample with ``value`` at the dotted ``path`` (list items by number)."""
    data = copy.deepcopy(sample())
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def problem(data: Any) -> str:
    with pytest.raises(ConfigError) as info:
        validate_model_file(data, WHERE)
    return info.value.message


def test_the_sample_file_validates() -> None:
    spec = read_model_file(SAMPLE)
    assert (len(spec.tables), len(spec.metrics), len(spec.actions)) == (14, 17, 5)
    assert spec.time is not None and spec.time.week_start == "monday"


def test_the_overlay_stays_a_plain_mapping_of_what_the_file_says() -> None:
    overlay = load_overlay(SAMPLE)
    assert overlay["time"] == {
        "week_start": "monday",
        "local_timestamps": True,
        "timezone": {"table": "locations", "column": "timezone"},
    }
    assert overlay["actions"][2] == {"table": "items", "kind": "toggle"}
    assert "match_priority" not in overlay["tables"]["items"]  # defaults are not filled in
    assert load_overlay(None) == {}


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("descripton", "descripton: unknown key (did you mean description?)"),
        ("tables.items.synonym", "tables.items.synonym: unknown key (did you mean synonyms?)"),
        (
            "tables.items.columns.price.formt",
            "tables.items.columns.price.formt: unknown key (did you mean format?)",
        ),
        (
            "tables.orders.default_filters.0.valeu",
            "tables.orders.default_filters.0.valeu: unknown key (did you mean value?)",
        ),
        (
            "metrics.revenue.synonym",
            "metrics.revenue.synonym: unknown key (did you mean synonyms?)",
        ),
        ("time.timezone.colum", "time.timezone.colum: unknown key (did you mean column?)"),
        ("time.week_begins", "time.week_begins: unknown key"),
        ("actions.2.max", "actions.2.max: unknown key (known keys: table, column, label, group"),
    ],
)
def test_a_misspelt_key_is_named_by_its_dotted_path(path: str, line: str) -> None:
    message = problem(edited(path, 1))
    assert message.startswith(f"{WHERE}: {line}")
    assert "\n" not in message  # one problem, one line


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        (
            "tables.items.columns.price.format",
            "euro",
            "tables.items.columns.price.format: must be one of money, count, number, percent, "
            "date, datetime, time, text",
        ),
        ("tables.options.match_priority", "high", "tables.options.match_priority: must be one of"),
        ("tables.orders.default_filters.0.op", "~", "tables.orders.default_filters.0.op: must be"),
        ("time.week_start", "friday", "time.week_start: must be one of monday, sunday"),
        ("actions.0.kind", "flip", "actions.0.kind: must be number or toggle"),
        ("actions.0.format", "euro", "actions.0.format: must be one of money, number"),
        ("roles.busiest", "orders", "roles.busiest: unknown key (must be one of volume, sales"),
        ("time.timezone", "Mars/Olympus", "time.timezone: 'Mars/Olympus' is not an IANA time zone"),
    ],
)
def test_a_value_outside_its_set_says_what_is_allowed(path: str, value: Any, line: str) -> None:
    assert problem(edited(path, value)).startswith(f"{WHERE}: {line}")


def test_every_filter_operator_and_role_is_offered() -> None:
    from bot.understanding.plan import FILTER_OPS

    message = problem(edited("tables.orders.default_filters.0.op", "~"))
    assert all(op in message for op in FILTER_OPS)
    message = problem(edited("roles.busiest", "orders"))
    assert all(role in message for role in ROLE_KINDS)


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        ("tables.items.synonyms", "dish", "tables.items.synonyms: must be a list"),
        ("tables.items.columns", ["name"], "tables.items.columns: must be a mapping"),
        ("tables.orders.columns.status.codes.7", True, "status.codes.7: must be text (quote it"),
        ("actions.0.max", "lots", "actions.0.max: must be a number"),
        ("actions.0.decimals", 9, "actions.0.decimals: must be at most 6"),
        ("time.local_timestamps", "maybe", "time.local_timestamps: must be true or false"),
        ("version", "1", "version: must be a whole number"),
        ("time.timezone", 5, "time.timezone: must be an IANA zone name, or the table and column"),
        ("actions.1", "items", "actions.1: must be a mapping such as {table: items, kind: toggle}"),
        ("tables.orders.default_filters.1.value", 3, "default_filters.1.value: is null takes no"),
        ("metrics.orders", {"expr": "COUNT(*)"}, "metrics.orders.expr: names no table.column"),
        ("metrics.revenue.finer", "items", "metrics.revenue.finer: no metric named 'items'"),
    ],
)
def test_a_wrong_type_is_named_by_its_dotted_path(path: str, value: Any, line: str) -> None:
    assert line in problem(edited(path, value))


def test_only_version_1_is_accepted() -> None:
    assert problem(edited("version", 2)) == (
        f"{WHERE}: version: only version 1 is understood by this Swoop (the file says 2)"
    )
    assert read_model_file(SAMPLE).version == 1
    assert validate_model_file({}).version == 1  # a file without a version is version 1


def test_time_zones_examples_and_week_start_are_accepted() -> None:
    named = validate_model_file(
        {"time": {"timezone": "America/Chicago", "week_start": "Sunday"}, "examples": ["sales?"]}
    )
    assert named.time is not None and named.time.timezone == "America/Chicago"
    assert named.time.week_start == "sunday"
    assert named.as_overlay()["examples"] == ["sales?"]
    column = {"table": "locations", "column": "timezone", "default": "Europe/London"}
    assert validate_model_file({"time": {"timezone": column}}).as_overlay()["time"] == {
        "timezone": column
    }
    bad = {**column, "default": "Europe/Nowhere"}
    assert "time.timezone.default: 'Europe/Nowhere' is not an IANA" in problem(
        {"time": {"timezone": bad}}
    )


def test_several_problems_are_listed_one_per_line_up_to_a_few() -> None:
    data = sample()
    price = data["tables"]["items"]["columns"]["price"]
    for number in range(MAX_PROBLEMS + 2):
        price[f"extra{number}"] = 1
    lines = problem(data).splitlines()
    assert lines[0] == f"{WHERE} has {MAX_PROBLEMS + 2} problems:"
    assert lines[1].startswith("  tables.items.columns.price.extra0: unknown key")
    assert len(lines) == 1 + MAX_PROBLEMS + 1 and lines[-1] == "  … and 2 more"


def test_a_file_that_is_not_a_mapping_or_not_yaml(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- tables\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="should hold a mapping"):
        read_model_file(listed)
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables: {items: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        read_model_file(broken)
    with pytest.raises(ConfigError, match="does not exist"):
        read_model_file(tmp_path / "missing.yaml")


# -- against the database ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(sample_db: Path) -> SchemaInfo:
    import asyncio

    async def read() -> SchemaInfo:
        data = DataAccess(f"sqlite+aiosqlite:///{sample_db}")
        try:
            return await data.get_schema_async()
        finally:
            await data.dispose_async()

    return asyncio.run(read())


def test_the_sample_builds_on_the_sample_database(schema: SchemaInfo) -> None:
    model = build_model(schema, load_overlay(SAMPLE))
    assert len(model.tables) == 14 and "revenue" in model.metrics
    assert model.overlay["time"]["week_start"] == "monday"


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        ("tables.itemz", {"label": "items"}, "tables.itemz: the database has no table 'itemz'"),
        ("tables.items.columns.prise", {}, "tables.items.columns.prise: items has no column"),
        ("tables.items.name_column", "title", "tables.items.name_column: items has no column"),
        ("tables.orders.default_filters.0.column", "state", "default_filters.0.column: orders"),
        ("tables.order_items.parent", "order", "tables.order_items.parent: the database has no"),
        ("scope.table", "clubs", "scope.table: the database has no table 'clubs'"),
        ("roles.unit", "dishes", "roles.unit: the database has no table 'dishes'"),
        ("time.timezone.column", "tz", "time.timezone.column: locations has no column 'tz'"),
        ("actions.0.column", "cost", "actions.0.column: items has no column 'cost'"),
    ],
)
def test_what_the_database_lacks_is_refused(
    schema: SchemaInfo, path: str, value: Any, line: str
) -> None:
    with pytest.raises(ConfigError) as info:
        build_model(schema, edited(path, value))
    assert info.value.message.startswith("The semantic model: ") and line in info.value.message


# -- swoop model check ---------------------------------------------------------------------------


def test_model_check_accepts_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "check", str(SAMPLE)]) == 0
    assert capsys.readouterr().out.strip() == "ok: 14 tables, 17 metrics"


def test_model_check_refuses_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.swoop.yaml"
    data = edited("tables.items.columns.price.formt", "money")
    data["version"] = 2
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["model", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "has 2 problems" in err
    assert "  version: only version 1" in err
    assert "  tables.items.columns.price.formt: unknown key (did you mean format?)" in err
    assert "Traceback" not in err
    assert main(["model", "check", str(tmp_path / "none.yaml")]) == 2


def test_model_check_against_a_database(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{sample_db}"
    assert main(["model", "check", str(SAMPLE), "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == "ok: 14 tables, 17 metrics"
    lacking = tmp_path / "lacking.swoop.yaml"
    lacking.write_text(yaml.safe_dump(edited("tables.items.columns.prise", {})), encoding="utf-8")
    assert main(["model", "check", str(lacking)]) == 0  # the file alone is well formed
    capsys.readouterr()
    assert main(["model", "check", str(lacking), "--database-url", url]) == 2
    assert "tables.items.columns.prise: items has no column 'prise'" in capsys.readouterr().err
    toggle = edited("actions.2", {"table": "rating_categories", "kind": "toggle"})
    unusable = tmp_path / "unusable.swoop.yaml"
    unusable.write_text(yaml.safe_dump(toggle), encoding="utf-8")
    assert main(["model", "check", str(unusable), "--database-url", url]) == 2
    assert "actions[2]" in capsys.readouterr().err  # the action catalogue's own checks
