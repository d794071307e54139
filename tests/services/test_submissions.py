"""Submissions on a real SQLite file: validation, limits, duplicates, decisions and the race."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from bot.db.catalog import CatalogRepository
from bot.db.engines import open_store
from bot.db.store import Store
from bot.services.submissions import Reviewer, SubmissionService, Target
from bot.services.trivia import TriviaService
from bot.trivia.errors import AmbiguousFilm, NoSuchSubmission
from bot.trivia.records import FilmRecord
from bot.trivia.submissions import AlreadyDecided, NotAReviewer, SubmissionRefused
from tests.support.fake_clock import FakeClock

GUILD, OTHER_GUILD = 10, 20
MEMBER = 1000
MOD = Reviewer(2000, "Mod", manage_messages=True, role_ids=frozenset())
FACT = "Eric Stoltz spent four hours in the makeup chair every day of the shoot."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


def service_for(store: Store, clock: FakeClock) -> SubmissionService:
    trivia = TriviaService(store, rng=random.Random(1), clock=clock)
    return SubmissionService(store, trivia, clock=clock, max_pending=2, cooldown_seconds=60)


@pytest.fixture
async def subs(seeded_store: Store, clock: FakeClock) -> SubmissionService:
    store = seeded_store
    return service_for(store, clock)


async def submit(subs: SubmissionService, text: str = FACT, *, film: str = "mask", member: int = MEMBER,
                 guild: int = GUILD, source: str | None = None, year: str | None = None):  # fmt: skip
    target = await subs.target(film)
    return await subs.submit(
        guild_id=guild, member_id=member, member_name=f"Member {member}", target=target, text=text,
        source=source, year=year,
    )  # fmt: skip


async def count(store: Store) -> int:
    return (await store.fetchone("SELECT count(*) FROM submissions"))[0]


async def test_a_submission_is_stored_as_written_with_a_receipt(subs: SubmissionService, store: Store):
    text = "  **Bold** claim: Cher <@&123> @everyone did her own makeup on set.  "
    submission, ahead = await submit(subs, text, source="https://example.org/cher")
    assert submission.id == 1
    assert ahead == 0
    assert submission.text == text.strip()
    assert submission.film_label == "Mask (1985)"
    assert submission.source == "https://example.org/cher"
    assert [e.action for e in await subs.repo.events(submission.id)] == ["submitted"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   \u200b  ", "empty"),
        ("Too short.", "at least 20"),
        ("x" * 1001, "under 1000"),
        ("**~~``||>>>##!!__**~~``||>>>##", "only formatting"),
        ("<@123> <@&456> @everyone @here https://x.y", "only formatting"),
    ],
)
async def test_unacceptable_text_is_refused_and_nothing_is_stored(
    subs: SubmissionService, store: Store, text: str, why: str
):
    with pytest.raises(SubmissionRefused, match=why):
        await submit(subs, text)
    assert await count(store) == 0


async def test_duplicates_of_facts_and_of_pending_submissions_are_refused(
    subs: SubmissionService, store: Store, clock: FakeClock
):
    with pytest.raises(SubmissionRefused, match="already known"):
        await submit(subs, "Rob Lowe was nearly cast as Rocky Dennis!!")
    await submit(subs, FACT)
    clock.advance(minutes=5)
    with pytest.raises(SubmissionRefused, match="already known or waiting"):
        await submit(subs, FACT.upper(), member=MEMBER + 1)
    assert await count(store) == 1


async def test_pending_limit_and_cooldown(subs: SubmissionService, clock: FakeClock):
    await submit(subs, "First fact about the making of Mask in 1985.")
    with pytest.raises(SubmissionRefused, match="again in 60 s"):
        await submit(subs, "Second fact about the making of Mask, too quick.")
    clock.advance(seconds=61)
    await submit(subs, "Second fact about the making of Mask, in time.")
    clock.advance(seconds=61)
    with pytest.raises(SubmissionRefused, match="2 submissions waiting"):
        await submit(subs, "Third fact about the making of Mask, over the limit.")


async def test_an_unknown_title_is_a_proposal_that_needs_a_year(subs: SubmissionService, store: Store):
    with pytest.raises(SubmissionRefused, match="Add its release year"):
        await submit(subs, FACT, film="Rocky Dennis Story")
    with pytest.raises(SubmissionRefused, match="not a release year"):
        await submit(subs, FACT, film="Rocky Dennis Story", year="1066")
    submission, _ = await submit(subs, FACT, film="Rocky Dennis Story", year="1990")
    assert submission.proposes_film
    assert submission.film_label == "Rocky Dennis Story (1990)"

    decided = await subs.approve(submission.id, GUILD, MOD)
    assert decided.film_label == "Rocky Dennis Story (1990)"
    card = await subs.trivia.show("rocky dennis story", guild_id=GUILD, channel_id=5)
    assert card.credit == f"Member {MEMBER}"


async def test_ambiguous_titles_must_be_narrowed(subs: SubmissionService, store: Store):
    await CatalogRepository(store).import_films([FilmRecord("Psycho", 1960), FilmRecord("Psycho", 1998)])
    subs.trivia.titles_changed()
    with pytest.raises(AmbiguousFilm):
        await subs.target("psycho")


async def test_approval_adds_the_fact_to_that_server_only_with_the_members_credit(subs: SubmissionService):
    submission, _ = await submit(subs)
    decided = await subs.approve(submission.id, GUILD, MOD)
    assert (decided.status, decided.reviewer_name) == ("approved", "Mod")

    here = [await subs.trivia.show("mask", guild_id=GUILD, channel_id=1, number=n) for n in range(1, 8)]
    assert here[-1].text == FACT
    assert here[-1].credit == f"Member {MEMBER}"
    with pytest.raises(Exception, match="from 1 to 6"):
        await subs.trivia.show("mask", guild_id=OTHER_GUILD, channel_id=2, number=7)


async def test_edit_then_approve_keeps_what_changed(subs: SubmissionService):
    submission, _ = await submit(subs)
    edited = "Eric Stoltz spent about four hours in makeup each day of the shoot."
    decided = await subs.approve(submission.id, GUILD, MOD, text=edited)
    assert decided.text == FACT  # the member's words are kept as written
    fact = await subs.trivia.catalog.fact(decided.fact_id)
    assert fact.text == edited
    events = await subs.repo.events(submission.id)
    assert events[-1].action == "approved"
    assert events[-1].detail["text"] == {"before": FACT, "after": edited}


async def test_reject_needs_a_reason_and_is_kept(subs: SubmissionService):
    submission, _ = await submit(subs)
    with pytest.raises(SubmissionRefused, match="reason"):
        await subs.reject(submission.id, GUILD, MOD, "   ")
    decided = await subs.reject(submission.id, GUILD, MOD, "Not about this film.")
    assert (decided.status, decided.reason) == ("rejected", "Not about this film.")
    assert (await subs.repo.events(submission.id))[-1].detail == {"reason": "Not about this film."}


async def test_a_second_decision_is_told_who_decided_first(subs: SubmissionService):
    submission, _ = await submit(subs)
    await subs.approve(submission.id, GUILD, MOD)
    other = Reviewer(3000, "Other Mod", manage_messages=True, role_ids=frozenset())
    with pytest.raises(AlreadyDecided, match="already approved by Mod"):
        await subs.reject(submission.id, GUILD, other, "late")


async def test_two_reviewers_on_two_connections_at_once_exactly_one_wins(
    subs: SubmissionService, store: Store, clock: FakeClock
):
    submission, _ = await submit(subs)
    second_store = await open_store(store.location)
    try:
        second = service_for(second_store, clock)
        results = await asyncio.gather(
            subs.approve(submission.id, GUILD, MOD),
            second.reject(submission.id, GUILD, Reviewer(3, "Rival", True, frozenset()), "no"),
            return_exceptions=True,
        )
    finally:
        await second_store.close()
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, AlreadyDecided)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert [e.action for e in await subs.repo.events(submission.id)].count("submitted") == 1
    assert len(await subs.repo.events(submission.id)) == 2
    facts = (await store.fetchone("SELECT count(*) FROM facts WHERE guild_id = ?", (GUILD,)))[0]
    assert facts == (1 if winners[0].status == "approved" else 0)


async def test_reviewers_are_members_with_manage_messages_or_the_reviewer_role(subs: SubmissionService):
    submission, _ = await submit(subs)
    member = Reviewer(4000, "Member", manage_messages=False, role_ids=frozenset({77}))
    with pytest.raises(NotAReviewer):
        await subs.approve(submission.id, GUILD, member)
    await subs.set_reviewer_role(GUILD, 77)
    assert (await subs.approve(submission.id, GUILD, member)).status == "approved"


async def test_a_button_from_one_server_cannot_act_in_another(subs: SubmissionService):
    submission, _ = await submit(subs)
    with pytest.raises(NoSuchSubmission):
        await subs.approve(submission.id, OTHER_GUILD, MOD)
    assert (await subs.repo.get(submission.id)).status == "pending"


async def test_blocking_rejects_what_waits_and_refuses_new_submissions(subs: SubmissionService, clock: FakeClock):
    first, _ = await submit(subs)
    clock.advance(minutes=2)
    second, _ = await submit(subs, "Another fact about Mask that is long enough.")
    rejected = await subs.block_submitter(first.id, GUILD, MOD)
    assert {s.id for s in rejected} == {first.id, second.id}
    clock.advance(minutes=2)
    with pytest.raises(SubmissionRefused, match="paused your submissions"):
        await submit(subs, "Yet another fact about Mask, after the block.")
    await submit(subs, "A fact about Mask in a server that did not block me.", guild=OTHER_GUILD)


async def test_oldest_pending_first_with_the_count(subs: SubmissionService, clock: FakeClock):
    assert await subs.next_pending(GUILD) == (None, 0)
    first, _ = await submit(subs)
    _second, ahead = await submit(subs, "A different fact about the making of Mask.", member=MEMBER + 1)
    assert ahead == 1
    oldest, waiting = await subs.next_pending(GUILD)
    assert (oldest.id, waiting) == (first.id, 2)
    assert isinstance(await subs.target("Mask"), Target)


async def test_a_film_whose_facts_are_cached_shows_a_fact_approved_meanwhile(subs: SubmissionService):
    before = await subs.trivia.show("mask", guild_id=GUILD, channel_id=1)  # caches Mask's facts here
    assert before.total == 6
    submission, _ = await submit(subs)
    await subs.approve(submission.id, GUILD, MOD)
    card = await subs.trivia.show("mask", guild_id=GUILD, channel_id=1, number=7)
    assert (card.text, card.total) == (FACT, 7)
    # The button on the card shown before (it carries the film id, not the query) sees it too.
    shown = await subs.trivia.card_for_film(before.film_id, guild_id=GUILD, channel_id=2, number=7)
    assert shown.card.text == FACT
