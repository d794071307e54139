"""/trivia-submit, /trivia-review and /trivia-config: members propose facts, reviewers decide.

Glue only: every rule (validation, limits, duplicates, who may review, exactly-one decision) lives in
SubmissionService; this module turns Discord interactions into its calls and its results into messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.faults import failpoint
from bot.services.moderation import DISCORD_IMPORT_BYTES, describe_entry
from bot.services.submissions import Reviewer, Target
from bot.trivia.errors import TriviaError, check_row_id
from bot.trivia.moderation import parse_yes_no
from bot.trivia.records import MAX_TITLE_LENGTH as MAX_TITLE
from bot.trivia.rows import (
    DECISION_DM,
    REPORT_DM,
    REPORT_KINDS,
    REVIEW_POST,
    REVIEW_UPDATE,
    OutboxItem,
    Submission,
)
from bot.trivia.submissions import MAX_FACT, MAX_REASON, MAX_SOURCE, MIN_FACT
from cogs.fact_card import EMBED_COLOUR, SOURCE_SHOWN
from cogs.kit import (
    FIELD_LIMIT,
    MODAL_TITLE_LIMIT,
    TOTAL_LIMIT,
    Interaction,
    ReportingItem,
    actor_from,
    admit,
    clip,
    cog_of,
    ensure_bot_can_post,
    film_choices,
    report_interaction_error,
    safe,
    send_ephemeral,
    static_view,
)
from cogs.paginator import send_pages

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)
OUTBOX_POLL_SECONDS = 30.0  # retries fall due on the clock; new side effects wake the loop at once
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
    ReportingItem,
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

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise TriviaError("Review buttons only work in the server the submission was made in.")
        check_row_id(self.submission_id, "submission")
        cog = cog_of(interaction.client, Submissions)
        service = interaction.client.submissions
        reviewer = reviewer_from(interaction)
        await service.require_reviewer(interaction.guild_id, reviewer)
        if self.action == "approve":
            decided = await service.approve(self.submission_id, interaction.guild_id, reviewer)
            await cog.show_decision(interaction, [decided])
        elif self.action == "block":
            rejected = await service.block_submitter(self.submission_id, interaction.guild_id, reviewer)
            await cog.show_decision(interaction, rejected, note="The submitter can no longer submit here.")
        else:
            submission = await service.waiting(self.submission_id, interaction.guild_id)
            modal = edit_form(submission) if self.action == "edit" else reject_form(submission)
            await interaction.response.send_modal(modal)


def review_view(submission_id: int) -> discord.ui.View:
    return static_view(*(ReviewButton(action, submission_id) for action in REVIEW_ACTIONS))


# --- forms -----------------------------------------------------------------------------------------
# Every form carries what it is about in its custom_id (as review buttons do) and is stopped before it
# is sent, so discord.py keeps nothing: its submission is routed by the Submissions cog's
# on_interaction listener, the same way before and after a restart. A form opened before a restart is
# still taken when it is sent afterwards.

SUBMIT_FORM = re.compile(r"submit:(?:film:(?P<film>[0-9]{1,19})|new)")
EDIT_FORM = re.compile(r"review-edit:(?P<id>[0-9]{1,19})")
REJECT_FORM = re.compile(r"review-reject:(?P<id>[0-9]{1,19})")


FormHandler = Callable[[discord.Interaction, re.Match[str], dict[str, str]], Awaitable[None]]


def stateless(modal: discord.ui.Modal) -> discord.ui.Modal:
    modal.stop()  # send_modal keeps only unfinished modals; this one is answered by its custom_id
    return modal


def submit_form(target: Target) -> discord.ui.Modal:
    """A proposal carries its title in a prefilled field (custom_ids are short); a film, its id."""
    title = f"Propose “{target.title}”" if target.proposed else f"A fact about {target.label}"
    custom_id = "submit:new" if target.proposed else f"submit:film:{target.film_id}"
    modal = discord.ui.Modal(title=clip(title, MODAL_TITLE_LIMIT), custom_id=custom_id)
    modal.add_item(
        discord.ui.TextInput(
            label="The fact",
            custom_id="fact",
            style=discord.TextStyle.paragraph,
            min_length=MIN_FACT,
            max_length=MAX_FACT,
            placeholder="What happened behind the scenes?",
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Source (optional)",
            custom_id="source",
            required=False,
            max_length=MAX_SOURCE,
            placeholder="A link, a book, an interview",
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Spoiler? (yes or no)",
            custom_id="spoiler",
            required=False,
            default="no",
            max_length=5,
            placeholder="yes: it gives away the plot, and is shown covered",
        )
    )
    if target.proposed:
        modal.add_item(
            discord.ui.TextInput(
                label="Release year of the film",
                custom_id="year",
                min_length=4,
                max_length=4,
                default=str(target.year) if target.year else None,  # "Title (Year)" typed: the year is known
            )
        )
        modal.add_item(
            discord.ui.TextInput(label="Film title", custom_id="title", default=target.title, max_length=MAX_TITLE)
        )
    return stateless(modal)


def edit_form(submission: Submission) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=clip(f"Edit and approve #{submission.id}", MODAL_TITLE_LIMIT), custom_id=f"review-edit:{submission.id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="The fact",
            custom_id="fact",
            style=discord.TextStyle.paragraph,
            default=submission.text,
            min_length=MIN_FACT,
            max_length=MAX_FACT,
        )
    )
    if not submission.proposes_film:
        modal.add_item(
            discord.ui.TextInput(
                label="Film", custom_id="film", default=clip(submission.film_label, 100), max_length=MAX_TITLE
            )
        )
    return stateless(modal)


def reject_form(submission: Submission) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=clip(f"Reject #{submission.id}", MODAL_TITLE_LIMIT), custom_id=f"review-reject:{submission.id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Reason (sent to the member)",
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            max_length=MAX_REASON,
        )
    )
    return stateless(modal)


def expired_form(values: dict[str, str]) -> str:
    kept = [value.replace("```", "` ` `") for value in values.values() if value.strip()]
    text = "That form was opened before the bot restarted and can't be taken any more; please open it again."
    if kept:
        text += " Here is what you wrote, to paste into it:" + "".join(f"\n```\n{value}\n```" for value in kept)
    return text


def form_values(data: Any) -> dict[str, str]:
    """The text inputs of a submitted form by custom_id, wherever Discord nests them (rows or labels)."""
    values: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components or []:
            if not isinstance(component, dict):
                continue
            if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
                values[component["custom_id"]] = str(component.get("value") or "")
            walk(component.get("components"))
            walk([component.get("component")])

    walk((data or {}).get("components"))
    return values


class Submissions(commands.Cog):
    config = app_commands.Group(
        name="trivia-config",
        description="Where submissions are reviewed, and by whom",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self._delivering = asyncio.Lock()
        self._delivery: asyncio.Task[None] | None = None
        # Forms routed by custom_id: this cog's own, and those other cogs add (add_form_route), so one
        # listener answers every form and only a form nobody routes is read as one from an older version.
        self.form_routes: list[tuple[re.Pattern[str], FormHandler]] = [
            (SUBMIT_FORM, self._submit_form),
            (EDIT_FORM, self._edit_form),
            (REJECT_FORM, self._reject_form),
        ]

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)
        self._delivery = asyncio.create_task(self._deliver_forever(), name="outbox-delivery")

    async def cog_unload(self) -> None:
        """A delivery under way finishes first (so a message sent is also recorded), then the loop stops;
        whatever is left stays in the outbox for the next start."""
        self.bot.remove_dynamic_items(ReviewButton)
        acquired = False
        try:
            async with asyncio.timeout(self.bot.shutdown_grace):
                acquired = await self._delivering.acquire()
        except TimeoutError:
            log.warning("an outbox delivery was still running at shutdown; it will be retried at the next start")
        try:  # holding the lock, so no new pass starts between here and the cancel
            if self._delivery is not None:
                self._delivery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._delivery
        finally:
            if acquired:
                self._delivering.release()

    @app_commands.command(name="trivia-submit", description="Submit a behind-the-scenes fact for review")
    @app_commands.describe(film="The film's title; a film not in the catalog can be proposed")
    @app_commands.guild_only()
    async def submit(self, interaction: discord.Interaction, film: app_commands.Range[str, 1, 200]) -> None:
        assert interaction.guild_id is not None
        await self.bot.submissions.precheck(interaction.guild_id, interaction.user.id)
        target = await self.bot.submissions.target(film, interaction.guild_id)
        await interaction.response.send_modal(submit_form(target))

    @submit.autocomplete("film")
    async def film_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot, current, interaction.guild_id)

    @app_commands.command(name="trivia-review", description="Review the oldest waiting submission or report")
    @app_commands.guild_only()
    async def review(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        item = await self.bot.moderation.next_item(interaction.guild_id, reviewer_from(interaction))
        if item.report is not None:  # the oldest waiting is a report: its card, from the moderation cog
            moderation: Any = self.bot.get_cog("Moderation")
            embed, view = moderation.report_message(item.report, waiting=item.waiting_text)
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
            return
        if item.submission is None:
            await interaction.response.send_message("Nothing is waiting for review. 🎉", ephemeral=True)
            return
        embed = review_embed(item.submission, waiting=item.submissions_waiting)
        if item.reports_waiting:
            embed.set_footer(text=item.waiting_text)
        await interaction.response.send_message(embed=embed, view=review_view(item.submission.id), ephemeral=True)

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

    @config.command(name="unblock", description="Let a blocked member submit facts again")
    @app_commands.describe(member="The member to unblock")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unblock(self, interaction: discord.Interaction, member: discord.User) -> None:
        assert interaction.guild_id is not None
        admin = actor_from(interaction)
        await self.bot.moderation.unblock(interaction.guild_id, member.id, admin)
        await interaction.response.send_message(
            f"{member.mention} can submit facts here again.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @config.command(name="import", description="Import a page, JSON or CSV file as this server's own facts")
    @app_commands.describe(file="A Making Of page (.txt), or JSON or CSV in the export format; up to 2 MiB")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        limit = DISCORD_IMPORT_BYTES
        if file.size > limit:
            raise TriviaError(
                f"**{safe(file.filename)}** is {file.size // 1024} KiB; the limit here is {limit // 2**20} MiB. "
                "Split it, or import it on the host with `python -m bot import`."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)  # downloading may take a moment
        raw = await file.read()
        admin = actor_from(interaction)
        summary = await self.bot.moderation.import_file(interaction.guild_id, admin, file.filename, raw)
        await interaction.followup.send(
            f"Imported **{safe(file.filename)}** as this server's facts: {summary.describe()}.", ephemeral=True
        )

    @config.command(name="export", description="This server's own facts as a JSON file (the import format)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def export(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        text, count = await self.bot.moderation.export_json(interaction.guild_id)
        if count == 0:
            await interaction.response.send_message(
                "This server has no facts of its own yet (approved submissions and imports).", ephemeral=True
            )
            return
        data = discord.File(io.BytesIO(text.encode("utf-8")), filename=f"trivia-facts-{interaction.guild_id}.json")
        noun = "fact" if count == 1 else "facts"
        await interaction.response.send_message(
            f"This server's own {count} {noun}. `/trivia-config import` reads the file back.", file=data, ephemeral=True
        )

    @config.command(name="log", description="This server's moderation log: who changed what, and when")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def log_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        entries = await self.bot.moderation.log(interaction.guild_id)
        if not entries:
            await interaction.response.send_message("Nothing in this server's moderation log yet.", ephemeral=True)
            return
        await send_pages(interaction, "Moderation log", [safe(describe_entry(e)) for e in entries])

    # --- forms, routed by their custom_id ----------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        for pattern, handler in self.form_routes:
            match = pattern.fullmatch(custom_id)
            if match:
                if not await admit(interaction):
                    return
                try:
                    if interaction.guild_id is None:
                        raise app_commands.NoPrivateMessage()
                    await handler(interaction, match, form_values(interaction.data))
                except Exception as error:
                    await report_interaction_error(interaction, error)
                return
        # Every form this bot sends is routed above. Anything else was opened under an older version,
        # whose forms lived in the memory of a process that is gone: the member gets their text back.
        if await admit(interaction):
            await send_ephemeral(interaction, expired_form(form_values(interaction.data)))

    async def _submit_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        service = self.bot.submissions
        if match["film"]:
            target = await service.film_target(int(match["film"]))
        else:  # the title as the member left it; a film that joined the catalog meanwhile is found
            target = await service.target(values.get("title", ""), interaction.guild_id)
        submission, ahead = await service.submit(
            guild_id=interaction.guild_id,
            member_id=interaction.user.id,
            member_name=interaction.user.display_name,
            target=target,
            text=values.get("fact", ""),
            source=values.get("source") or None,
            year=values.get("year"),
            spoiler=parse_yes_no(values.get("spoiler"), "Spoiler"),
        )
        queue = "next in line" if ahead == 0 else f"{ahead} ahead of it"
        await interaction.response.send_message(
            f"Thanks! Submission **#{submission.id}** about **{safe(submission.film_label)}** is waiting for "
            f"review ({queue}). You'll get a DM when the moderators decide.",
            ephemeral=True,
        )

    async def _edit_form(self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]) -> None:
        assert interaction.guild_id is not None
        submission_id = check_row_id(int(match["id"]), "submission")
        current = await self.bot.submissions.get(submission_id)
        film = values.get("film") or None
        if current is not None and film == clip(current.film_label, 100):
            film = None  # left as prefilled
        decided = await self.bot.submissions.approve(
            submission_id,
            interaction.guild_id,
            reviewer_from(interaction),
            text=values.get("fact", ""),
            film_query=film,
        )
        await self.show_decision(interaction, [decided])

    async def _reject_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        submission_id = check_row_id(int(match["id"]), "submission")
        decided = await self.bot.submissions.reject(
            submission_id, interaction.guild_id, reviewer_from(interaction), values.get("reason", "")
        )
        await self.show_decision(interaction, [decided])

    # --- what happens around a submission and a decision ---------------------------------------------

    async def show_decision(
        self, interaction: discord.Interaction, decided: list[Submission], *, note: str | None = None
    ) -> None:
        """The message pressed shows who decided and loses its buttons. The review-channel copy and the
        submitter's DM were recorded in the outbox with the decision; the delivery loop sends them."""
        embed = review_embed(decided[0]) if decided else None
        if interaction.message is not None and embed is not None:
            await interaction.response.edit_message(content=note, embed=embed, view=None)
        else:
            await interaction.response.send_message(note or "Done.", ephemeral=True)

    # --- the outbox delivery loop -------------------------------------------------------------------

    async def _deliver_forever(self) -> None:
        """Runs from cog_load to cog_unload. Woken by every recorded side effect, and every
        OUTBOX_POLL_SECONDS for retries; no exception ends it."""
        await self.bot.wait_until_ready()
        wakeup = self.bot.submissions.outbox_wakeup
        while True:
            wakeup.clear()
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox delivery pass failed; trying again")
            try:
                async with asyncio.timeout(OUTBOX_POLL_SECONDS):
                    await wakeup.wait()
            except TimeoutError:
                pass

    async def deliver_due(self) -> int:
        """One pass over what is due, oldest first, one at a time (so a copy is posted before its
        decision updates it). Returns how many were tried."""
        async with self._delivering:
            items = await self.bot.submissions.due_deliveries()
            for item in items:
                await self._deliver(item)
            return len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        service = self.bot.submissions
        try:
            if item.kind in REPORT_KINDS:  # a report's side effect: the moderation cog knows how it looks
                from cogs.moderation import Moderation  # the two cogs share one delivery loop

                await cog_of(self.bot, Moderation).deliver(item)
                return
            assert item.submission_id is not None
            submission = await service.get(item.submission_id)
            if submission is None:  # pragma: no cover - submissions are never deleted
                await service.delivered(item, "gave up: no such submission")
            elif item.kind == REVIEW_POST:
                await self._post_review_copy(item, submission)
            elif item.kind == REVIEW_UPDATE:
                await self._update_review_copy(item, submission)
            else:
                await self._notify(item, submission)
        except discord.Forbidden as error:
            # A closed DM (50007) is the member's choice: logged, done, never retried. A review channel
            # the bot lost access to may be fixed by the admins: retried with backoff, then given up.
            if item.kind in (DECISION_DM, REPORT_DM):
                about = item.report_id or item.submission_id
                log.info("DMs closed; member not told about %s #%s: %s", item.kind, about, error)
                await service.delivered(item, f"not sent: DMs closed (403 {error.code})")
            else:
                await service.delivery_failed(item, f"403 {error.code}: {error.text}")
        except discord.NotFound as error:
            await service.delivery_failed(item, f"404 {error.code}: {error.text}", permanent=True)
        except Exception as error:
            log.warning("delivering %s of submission #%s failed", item.kind, item.submission_id, exc_info=True)
            await service.delivery_failed(item, f"{type(error).__name__}: {error}")

    async def _post_review_copy(self, item: OutboxItem, submission: Submission) -> None:
        """Posted with a nonce derived from the outbox row: if the bot dies after Discord accepted
        the message but before the id was recorded, the re-send returns the first message."""
        assert item.channel_id is not None
        _, waiting = await self.bot.submissions.next_pending(submission.guild_id)
        channel = self.bot.get_partial_messageable(item.channel_id, guild_id=submission.guild_id)
        # A submission decided before its copy went out is posted decided, without buttons.
        view = review_view(submission.id) if submission.status == "pending" else None
        failpoint("outbox.review_post.before_send")
        message = await channel.send(
            embed=review_embed(submission, waiting=waiting if view else None),
            view=view or discord.utils.MISSING,
            nonce=f"outbox-{item.id}",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        failpoint("outbox.review_post.sent")
        await self.bot.submissions.review_copy_posted(item, channel.id, message.id)

    async def _update_review_copy(self, item: OutboxItem, submission: Submission) -> None:
        if submission.review_message_id is None or submission.review_channel_id is None:
            # Its copy is not out yet (it will be posted showing the decision) or there is none.
            await self.bot.submissions.delivered(item, "no review copy to update")
            return
        channel = self.bot.get_partial_messageable(submission.review_channel_id, guild_id=submission.guild_id)
        await channel.get_partial_message(submission.review_message_id).edit(
            embed=review_embed(submission), view=None, allowed_mentions=discord.AllowedMentions.none()
        )
        await self.bot.submissions.delivered(item)

    async def _notify(self, item: OutboxItem, submission: Submission) -> None:
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
        dm = await self.bot.create_dm(discord.Object(submission.member_id))
        failpoint("outbox.decision_dm.before_send")
        await dm.send(text[:2000], nonce=f"outbox-{item.id}", allowed_mentions=discord.AllowedMentions.none())
        failpoint("outbox.decision_dm.sent")
        await self.bot.submissions.delivered(item)


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Submissions(bot))
