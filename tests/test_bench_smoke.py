"""The benchmark code still runs (no timing is asserted: numbers come from `python -m bench.daily`)."""

from bench.daily import bench


async def test_daily_benchmark_runs_and_posts_every_due_schedule():
    rows = await bench(100, repeat=2)
    assert [row[1] for row in rows] == ["0 due", "100 due"]
