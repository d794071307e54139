"""The benchmark code still runs end to end on a tiny catalog. No timing is asserted: the numbers come
from `python -m bench.run` and `python -m bench.daily`, not from tests."""

from pathlib import Path

from bench.daily import bench
from bench.run import main, parse_args


async def test_daily_benchmark_runs_and_posts_every_due_schedule():
    rows = await bench(100, repeat=2)
    assert [row[1] for row in rows] == ["0 due", "100 due"]


async def test_the_full_benchmark_runs_on_a_tiny_catalog(tmp_path: Path):
    args = parse_args(
        ["--films", "60", "--facts", "300", "--pages", "5", "--samples", "5", "--burst", "5", "--lookups", "10",
         "--schedules", "50", "--repeat", "2", "--due", "20", "--big-due", "10", "--hot", "5", "--import-facts", "50",
         "--out", str(tmp_path)]
    )  # fmt: skip
    figures = await main(args)
    names = [f.name for f in figures]
    assert "/trivia end to end, first asks, typed" in names
    assert "/trivia end to end, first asks, no autocomplete" in names
    assert "/trivia end to end, 5 hot films" in names
    assert any(name.startswith("worst loop stall: CLI import of 50 facts") for name in names)
    assert any(name.startswith("worst loop stall: title-index rebuild") for name in names)
    assert "daily fan-out per post, 300 facts" in names
    assert "burst of 5 /trivia: last answer" in names
    burst = next(f for f in figures if f.name.startswith("burst"))
    assert burst.baseline_value == 5  # every interaction of the burst was answered
    assert (tmp_path / "results.json").exists()


async def test_the_quiz_benchmark_runs_and_counts_every_answer(tmp_path: Path):
    from bench.quiz import main as quiz_main
    from bench.quiz import parse_args as quiz_args

    rows = await quiz_main(
        quiz_args(["--games", "2", "--members", "3", "--rounds", "2", "--spread", "0", "--films", "40",
                   "--facts", "120", "--out", str(tmp_path)])
    )  # fmt: skip
    counted = rows[0]
    assert counted.met, counted  # every answer of 2 games x 3 members x 2 rounds was recorded
    assert rows[1].met  # every round closed in the one tick after its instant


async def test_the_postgres_benchmark_runs_both_engines_end_to_end_and_fans_out_over_two_processes(pg_server):
    """Skipped like every PostgreSQL test when its binaries are missing (tests/conftest.py)."""
    from bench.postgres import main as pg_main
    from bench.postgres import parse_args as pg_args

    tables = await pg_main(
        pg_args(["--films", "40", "--facts", "200", "--calls", "5", "--samples", "4", "--hot", "3", "--settle", "0.05",
                 "--import-facts", "50", "--schedules", "60", "--due", "20"]),
        pg_server,
    )  # fmt: skip
    end_to_end = tables["end_to_end"]
    assert [(row[0], row[1]) for row in end_to_end] == [
        ("SQLite", "4 first asks"), ("PostgreSQL", "4 first asks"), ("SQLite", "3 hot films"),
        ("PostgreSQL", "3 hot films"),
    ]  # fmt: skip
    fan_out = {row[0]: row for row in tables["fan_out"]}
    shards = [fan_out[f"shard {s} (process {s // 2}): its claims"] for s in range(4)]
    assert sum(int(row[1]) for row in shards) == 20  # every due post claimed, each by its own shard's process
    assert all(int(row[1]) > 0 for row in shards)
    assert fan_out["all, to the last post"][1] == "20"
    assert fan_out["duplicates (daily_posts, same channel and day)"][1] == "0"
    assert fan_out["channels sent to twice"][1] == "0"
    assert tables["import"][0][1] == "50"
