import pytest

from bot.trivia.ratelimit import RateLimit, RateLimited, parse_rate


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_member_gets_the_uses_of_a_window_then_waits_while_others_do_not():
    clock = Seconds()
    limit = RateLimit(2, 30, clock)
    limit.hit("ann")
    clock.now += 10
    limit.hit("ann")
    with pytest.raises(RateLimited, match="again in 20 s") as caught:
        limit.hit("ann")
    assert caught.value.retry_after == pytest.approx(20)
    limit.hit("bob")
    clock.now += 20  # the first use leaves the window
    limit.hit("ann")
    with pytest.raises(RateLimited):
        limit.hit("ann")


def test_refused_attempts_do_not_extend_the_wait():
    clock = Seconds()
    limit = RateLimit(1, 5, clock)
    limit.hit(1)
    for _ in range(10):
        with pytest.raises(RateLimited):
            limit.hit(1)
    clock.now += 5
    limit.hit(1)


def test_idle_members_are_forgotten():
    clock = Seconds()
    limit = RateLimit(1, 1, clock)
    for member in range(10_001):
        limit.hit(member)
    clock.now += 2
    limit.hit("new")
    assert len(limit._hits) == 1


@pytest.mark.parametrize(("text", "rate"), [("5/30", (5, 30.0)), ("1/0.5", (1, 0.5))])
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "5", "0/30", "5/0", "a/b", "5/-1"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)
