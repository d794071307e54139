"""Submission glue with discord objects mocked: what reviewers see, and who counts as one."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import MagicMock

import discord

from bot.trivia.rows import Submission
from cogs.submissions import ReviewButton, review_embed, review_view, reviewer_from


def submission(**changes) -> Submission:
    base = dict(  # noqa: C408 - keyword form reads like the dataclass
        id=12, guild_id=1, member_id=55, member_name="@everyone", film_id=3, film_title="Mask", film_year=1985,
        proposed_title=None, proposed_year=None, text="**@here** <@&9> " + "x" * 5000, source="s" * 2000,
        status="pending", reviewer_id=None, reviewer_name=None, reason=None, fact_id=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC), decided_at=None, review_channel_id=None, review_message_id=None,
    )  # fmt: skip
    base.update(changes)
    return Submission(**base)


def test_the_review_card_is_within_discords_limits_and_defuses_mentions():
    embed = review_embed(submission(), waiting=3)
    assert len(embed) <= 6000
    assert len(embed.description or "") <= 4096
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert "@here" not in (embed.description or "")
    assert "\\*\\*" in (embed.description or "")
    assert embed.footer.text == "3 waiting for review"


def test_a_decided_card_says_who_decided_and_why():
    decided = submission(
        status="rejected", reviewer_name="Mod", reason="No source", decided_at=datetime(2026, 1, 2, tzinfo=UTC)
    )
    fields = {f.name: f.value for f in review_embed(decided).fields}
    assert fields["Decision"].startswith("Rejected by Mod <t:")
    assert fields["Decision"].endswith("Reason: No source")


def test_a_proposed_film_is_marked_new():
    proposed = submission(film_id=None, film_title=None, film_year=None, proposed_title="Heat", proposed_year=1995)
    assert {f.name: f.value for f in review_embed(proposed).fields}["Film"] == "Heat (1995) — *new film*"


def test_review_buttons_carry_the_submission_id():
    ids = [item.custom_id for item in review_view(12).children]
    assert ids == ["review:approve:12", "review:edit:12", "review:reject:12", "review:block:12"]
    assert ReviewButton.__discord_ui_compiled_template__.fullmatch("review:approve:12")


def test_reviewer_facts_come_from_the_interaction_itself():
    interaction = MagicMock(spec=discord.Interaction)
    interaction.user = MagicMock(spec=discord.Member)
    interaction.user.id = 5
    interaction.user.display_name = "Mia"
    interaction.user.roles = [MagicMock(id=77), MagicMock(id=78)]
    interaction.permissions = discord.Permissions(manage_messages=False)
    reviewer = reviewer_from(interaction)
    assert (reviewer.id, reviewer.name, reviewer.manage_messages, reviewer.role_ids) == (5, "Mia", False, {77, 78})
