"""/trivia-submit, /trivia-review and /trivia-config: members propose facts, reviewers decide.

Glue only: every rule (validation, limits, duplicates, who may review, exactly-one decision) lives in
SubmissionService; this module turns Discord interactions into its calls and its results into messages.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import report_interaction_error
from bot.db.submissions import Submission
from bot.submission_service import Reviewer, Target
from bot.trivia.errors import TriviaError
from bot.trivia.submissions import MAX_FACT, MAX_REASON, MAX_SOURCE, MIN_FACT
from cogs.fact_card import EMBED_COLOUR, FIELD_LIMIT, SOURCE_SHOWN, TOTAL_LIMIT, clip, safe, static_view
from cogs.shared import ensure_bot_can_post

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)
MODAL_TITLE_LIMIT = 45
DECIDED_COLOUR = {"approved": discord.Colour.green(), "rejected": discord.Colour.red()}
REVIEW_ACTIONS = {
    "approve": ("Approve", discord.ButtonStyle.success),
    "edit": ("Edit", discord.ButtonStyle.primary),
    "reject": ("Reject", discord.ButtonStyle.danger),
    "block": ("Block submitter", discord.ButtonStyle.secondary),
}


def reviewer_from(interaction: discord.Interaction) -> Reviewer:
    """What the service needs to know about the person pressing, read fresh on every interaction."""
    user = interaction.user
    roles = frozenset(role.id for role in getattr(user, "roles", []))
    return Reviewer(user.id, clip(user.display_name, 100), interaction.permissions.manage_messages, roles)


def bot_of(interaction: discord.Interaction) -> TriviaBot:
    return interaction.client  # type: ignore[return-value]


def review_embed(submission: Submission, *, waiting: int | None = None) -> discord.Embed:
    film = safe(submission.film_label) + (" — *new film*" if submission.proposes_film else "")
    embed = discord.Embed(
        title=clip(f"Submission #{submission.id}", 256), colour=DECIDED_COLOUR.get(submission.status, EMBED_COLOUR)
    )
    embed.add_field(name="Film", value=clip(film, 300), inline=True)
    embed.add_field(
        name="Submitted by",
        value=clip(f"<@{submission.member_id}> ({safe(submission.member_name)})", 200),
        inline=True,
    )
    embed.add_field(name="When", value=discord.utils.format_dt(submission.created_at, "R"), inline=True)
    if submission.source:
        embed.add_field(name="Source", value=clip(safe(submission.source), SOURCE_SHOWN), inline=False)
    if submission.status != "pending":
        decided = f"{submission.status.title()} by {safe(submission.reviewer_name or 'a reviewer')}"
        if submission.decided_at:
            decided += f" {discord.utils.format_dt(submission.decided_at, 'R')}"
        if submission.reason:
            decided += f"\nReason: {safe(submission.reason)}"
        embed.add_field(name="Decision", value=clip(decided, FIELD_LIMIT), inline=False)
    elif waiting is not None:
        embed.set_footer(text=f"{waiting} waiting for review")
    # The member's text gets what the 6,000-character total leaves: Discord rejects more, whole.
    embed.description = clip(safe(submission.text), min(4096, TOTAL_LIMIT - len(embed)))
    return embed


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"review:(?P<action>approve|edit|reject|block):(?P<id>[0-9]{1,19})",
):
    """The submission id is in the custom_id, so review buttons work after a restart, anywhere."""

    def __init__(self, action: str, submission_id: int) -> None:
        label, style = REVIEW_ACTIONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"review:{action}:{submission_id}"))
        self.action = action
        self.submission_id = submission_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            cog: Submissions = bot_of(interaction).get_cog("Submissions")  # type: ignore[assignment]
            if interaction.guild_id is None:
                raise TriviaError("Review buttons only work in the server the submission was made in.")
            service = bot_of(interaction).submissions
            reviewer = reviewer_from(interaction)
            await service.require_reviewer(interaction.guild_id, reviewer)
            if self.action == "approve":
                decided = await service.approve(self.submission_id, interaction.guild_id, reviewer)
                await cog.show_decision(interaction, [decided])
            elif self.action == "block":
                rejected = await service.block_submitter(self.submission_id, interaction.guild_id, reviewer)
                await cog.show_decision(interaction, rejected, note="The submitter can no longer submit here.")
            else:
                submission = await service.repo.get(self.submission_id)
                if submission is None or submission.guild_id != interaction.guild_id:
                    raise TriviaError(f"There is no submission #{self.submission_id} in this server.")
                if submission.status != "pending":
                    raise TriviaError(
                        f"Submission #{submission.id} was already {submission.status} by {submission.reviewer_name}."
                    )
                modal = EditModal(submission) if self.action == "edit" else RejectModal(submission)
                await interaction.response.send_modal(modal)
        except Exception as error:
            await report_interaction_error(interaction, error)


def review_view(submission_id: int) -> discord.ui.View:
    return static_view(*(ReviewButton(action, submission_id) for action in REVIEW_ACTIONS))


class SubmitModal(discord.ui.Modal):
    def __init__(self, target: Target) -> None:
        title = f"Propose “{target.label}”" if target.proposed else f"A fact about {target.label}"
        super().__init__(title=clip(title, MODAL_TITLE_LIMIT), timeout=1800)
        self.target = target
        self.fact = discord.ui.TextInput(
            label="The fact",
            style=discord.TextStyle.paragraph,
            min_length=MIN_FACT,
            max_length=MAX_FACT,
            placeholder="What happened behind the scenes?",
        )
        self.source = discord.ui.TextInput(
            label="Source (optional)", required=False, max_length=MAX_SOURCE, placeholder="A link, a book, an interview"
        )
        self.add_item(self.fact)
        self.add_item(self.source)
        self.year: discord.ui.TextInput[Any] | None = None
        if target.proposed:
            self.year = discord.ui.TextInput(
                label="Release year of the film",
                min_length=4,
                max_length=4,
                default=str(target.year) if target.year else None,
            )
            self.add_item(self.year)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        submission, ahead = await bot.submissions.submit(
            guild_id=interaction.guild_id,
            member_id=interaction.user.id,
            member_name=interaction.user.display_name,
            target=self.target,
            text=self.fact.value,
            source=self.source.value or None,
            year=self.year.value if self.year else None,
        )
        queue = "next in line" if ahead == 0 else f"{ahead} ahead of it"
        await interaction.response.send_message(
            f"Thanks! Submission **#{submission.id}** about **{safe(submission.film_label)}** is waiting for "
            f"review ({queue}). You'll get a DM when the moderators decide.",
            ephemeral=True,
        )
        cog: Submissions = bot.get_cog("Submissions")  # type: ignore[assignment]
        await cog.post_for_review(submission)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_interaction_error(interaction, error)


class EditModal(discord.ui.Modal):
    def __init__(self, submission: Submission) -> None:
        super().__init__(title=clip(f"Edit and approve #{submission.id}", MODAL_TITLE_LIMIT), timeout=1800)
        self.submission_id = submission.id
        self.fact = discord.ui.TextInput(
            label="The fact",
            style=discord.TextStyle.paragraph,
            default=submission.text,
            min_length=MIN_FACT,
            max_length=MAX_FACT,
        )
        # A text input's default is cut at 100 characters: what the reviewer leaves as shown is "unchanged",
        # compared with what was shown, never looked up again (a cut title may name another film).
        self.shown_film = clip(submission.film_label, 100)
        self.film = discord.ui.TextInput(label="Film", default=self.shown_film, max_length=200)
        self.add_item(self.fact)
        if not submission.proposes_film:
            self.add_item(self.film)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        typed = self.film.value.strip()
        film = typed if typed and typed != self.shown_film.strip() else None
        decided = await bot_of(interaction).submissions.approve(
            self.submission_id, interaction.guild_id, reviewer_from(interaction), text=self.fact.value, film_query=film
        )
        cog: Submissions = bot_of(interaction).get_cog("Submissions")  # type: ignore[assignment]
        await cog.show_decision(interaction, [decided])

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_interaction_error(interaction, error)


class RejectModal(discord.ui.Modal):
    def __init__(self, submission: Submission) -> None:
        super().__init__(title=clip(f"Reject #{submission.id}", MODAL_TITLE_LIMIT), timeout=1800)
        self.submission_id = submission.id
        self.reason = discord.ui.TextInput(
            label="Reason (sent to the member)", style=discord.TextStyle.paragraph, max_length=MAX_REASON
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        decided = await bot_of(interaction).submissions.reject(
            self.submission_id, interaction.guild_id, reviewer_from(interaction), self.reason.value
        )
        cog: Submissions = bot_of(interaction).get_cog("Submissions")  # type: ignore[assignment]
        await cog.show_decision(interaction, [decided])

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report_interaction_error(interaction, error)


class Submissions(commands.Cog):
    config = app_commands.Group(
        name="trivia-config",
        description="Where submissions are reviewed, and by whom",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)

    @app_commands.command(name="trivia-submit", description="Submit a behind-the-scenes fact for review")
    @app_commands.describe(film="The film's title; a film not in the catalog can be proposed")
    @app_commands.guild_only()
    async def submit(self, interaction: discord.Interaction, film: app_commands.Range[str, 1, 200]) -> None:
        assert interaction.guild_id is not None
        await self.bot.submissions.precheck(interaction.guild_id, interaction.user.id)
        target = await self.bot.submissions.target(film)
        await interaction.response.send_modal(SubmitModal(target))

    @submit.autocomplete("film")
    async def film_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            entries = await self.bot.trivia.autocomplete(current)
        except TriviaError:
            return []
        labels = [clip(e.label, 100) for e in entries]
        return [app_commands.Choice(name=label, value=label) for label in labels]

    @app_commands.command(name="trivia-review", description="Review the oldest waiting submission")
    @app_commands.guild_only()
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.bot.submissions.require_reviewer(interaction.guild_id, reviewer_from(interaction))
        submission, waiting = await self.bot.submissions.next_pending(interaction.guild_id)
        if submission is None:
            await interaction.response.send_message("Nothing is waiting for review. 🎉", ephemeral=True)
            return
        await interaction.response.send_message(
            embed=review_embed(submission, waiting=waiting), view=review_view(submission.id), ephemeral=True
        )

    @config.command(name="review-channel", description="Post each new submission here, with review buttons")
    @app_commands.describe(channel="The channel reviewers watch")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def review_channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        ensure_bot_can_post(interaction, channel)
        await self.bot.submissions.set_review_channel(interaction.guild.id, channel.id)
        await interaction.response.send_message(
            f"New submissions will be posted in {channel.mention} with review buttons.", ephemeral=True
        )

    @config.command(name="reviewer-role", description="Members with this role may review submissions")
    @app_commands.describe(role="The role of your reviewers (members with Manage Messages can always review)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reviewer_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        assert interaction.guild is not None
        await self.bot.submissions.set_reviewer_role(interaction.guild.id, role.id)
        await interaction.response.send_message(
            f"Members with {role.mention} can now review submissions (as can anyone with Manage Messages).",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # --- what happens around a submission and a decision ---------------------------------------------

    async def post_for_review(self, submission: Submission) -> None:
        settings = await self.bot.submissions.settings(submission.guild_id)
        if settings.review_channel_id is None:
            return
        try:
            _, waiting = await self.bot.submissions.next_pending(submission.guild_id)
            channel = self.bot.get_partial_messageable(settings.review_channel_id, guild_id=submission.guild_id)
            message = await channel.send(
                embed=review_embed(submission, waiting=waiting), view=review_view(submission.id)
            )
            await self.bot.submissions.repo.set_review_message(submission.id, channel.id, message.id)
        except discord.HTTPException as error:
            log.warning(
                "guild %s: could not post submission #%s to review channel %s: %s",
                submission.guild_id, submission.id, settings.review_channel_id, error,
            )  # fmt: skip

    async def show_decision(
        self, interaction: discord.Interaction, decided: list[Submission], *, note: str | None = None
    ) -> None:
        """The message pressed shows who decided and loses its buttons; the submitter hears by DM."""
        embed = review_embed(decided[0]) if decided else None
        if interaction.message is not None and embed is not None:
            await interaction.response.edit_message(content=note, embed=embed, view=None)
        else:
            await interaction.response.send_message(note or "Done.", ephemeral=True)
        for submission in decided:
            await self._update_review_copy(submission, interaction)
            await self._notify(submission)

    async def _update_review_copy(self, submission: Submission, interaction: discord.Interaction) -> None:
        if submission.review_message_id is None or submission.review_channel_id is None:
            return
        if interaction.message is not None and interaction.message.id == submission.review_message_id:
            return
        try:
            channel = self.bot.get_partial_messageable(submission.review_channel_id, guild_id=submission.guild_id)
            await channel.get_partial_message(submission.review_message_id).edit(
                embed=review_embed(submission), view=None
            )
        except discord.HTTPException:
            log.info("could not update the review-channel copy of submission #%s", submission.id)

    async def _notify(self, submission: Submission) -> None:
        guild = self.bot.get_guild(submission.guild_id)
        where = f" in **{safe(guild.name)}**" if guild else ""
        if submission.status == "approved":
            text = (
                f"Your fact about **{safe(submission.film_label)}** was approved{where} and is now part of the "
                f"catalog there. Thank you!"
            )
        else:
            text = f"Your fact about **{safe(submission.film_label)}** was not accepted{where}."
            if submission.reason:
                text += f"\nReason: {safe(submission.reason)}"
        try:
            dm = await self.bot.create_dm(discord.Object(submission.member_id))
            await dm.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:  # closed DMs are the member's choice, not an error
            log.info("could not DM member %s about submission #%s: %s", submission.member_id, submission.id, error)


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Submissions(bot))
