"""Reports and moderators' tools: the report form, report cards (in /trivia-review and the review channel)
with Hide here / Edit / Spoiler / Dismiss, and /trivia-fact list|hide|unhide|edit|delete|spoiler.

Glue only: every rule (who may act, what a server may change, one decision per report, rate limits) lives in
ModerationService. Buttons and forms carry what they act on in their custom_id, so they work after a restart;
forms are answered through the Submissions cog's router (one listener for every form).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.faults import failpoint
from bot.services.moderation import DISCORD_IMPORT_BYTES
from bot.trivia.errors import TriviaError, check_row_id
from bot.trivia.moderation import MAX_DISMISS_REASON
from bot.trivia.rows import REPORT_DM, REPORT_POST, Actor, ModFact, OutboxItem, Report
from bot.trivia.submissions import MAX_FACT, MIN_FACT
from bot.trivia.titles import MAX_QUERY_LENGTH
from cogs.fact_card import EMBED_COLOUR
from cogs.kit import (
    FIELD_LIMIT,
    MODAL_TITLE_LIMIT,
    TOTAL_LIMIT,
    Interaction,
    ReportingItem,
    actor_from,
    clip,
    cog_of,
    film_choices,
    safe,
    static_view,
)
from cogs.paginator import send_pages
from cogs.submissions import Submissions, reviewer_from, stateless

if TYPE_CHECKING:
    from bot.app import TriviaBot

REPORT_ACTIONS = {
    "hide": ("Hide here", discord.ButtonStyle.danger),
    "edit": ("Edit", discord.ButtonStyle.primary),
    "spoiler": ("Spoiler", discord.ButtonStyle.secondary),
    "dismiss": ("Dismiss", discord.ButtonStyle.secondary),
}
STATUS_COLOUR = {
    "hidden": discord.Colour.red(),
    "dismissed": discord.Colour.light_grey(),
    "resolved": discord.Colour.green(),
}
REPORT_FORM = re.compile(r"report:(?P<id>[0-9]{1,19})")
REPORT_EDIT_FORM = re.compile(r"rep-edit:(?P<id>[0-9]{1,19})")
REPORT_DISMISS_FORM = re.compile(r"rep-dismiss:(?P<id>[0-9]{1,19})")
FACT_EDIT_FORM = re.compile(r"fact-edit:(?P<id>[0-9]{1,19})")
ADMIN_EDIT_FORM = re.compile(r"admin-edit:(?P<id>[0-9]{1,19})")


def report_embed(report: Report, *, waiting: str | None = None) -> discord.Embed:
    fact = report.fact
    embed = discord.Embed(title=f"Report #{report.id}", colour=STATUS_COLOUR.get(report.status, EMBED_COLOUR))
    embed.add_field(name="Film", value=clip(safe(fact.film_label), 300), inline=True)
    whose = "this server's own" if fact.guild_id == report.guild_id else "global catalog"
    embed.add_field(name="Fact", value=f"#{fact.id} ({whose})", inline=True)
    embed.add_field(name="Reported", value=discord.utils.format_dt(report.created_at, "R"), inline=True)
    lines = [
        f"<@{r.member_id}> ({safe(r.member_name)}): **{r.kind}**" + (f" — {safe(r.details)}" if r.details else "")
        for r in report.reasons
    ]
    count = len(report.reasons)
    embed.add_field(
        name=f"{count} reporter{'' if count == 1 else 's'}",
        value=clip("\n".join(lines) or "—", FIELD_LIMIT),
        inline=False,
    )
    if report.status != "open":
        decided = f"{report.status.title()} by {safe(report.decided_by_name or 'a moderator')}"
        if report.decided_at:
            decided += f" {discord.utils.format_dt(report.decided_at, 'R')}"
        if report.reason:
            decided += f"\nReason: {safe(report.reason)}"
        embed.add_field(name="Decision", value=clip(decided, FIELD_LIMIT), inline=False)
    elif waiting is not None:
        embed.set_footer(text=waiting)
    flags = " · ".join(x for x in ("hidden here" if fact.hidden else "", "spoiler" if fact.spoiler else "") if x)
    prefix = f"*({flags})*\n" if flags else ""
    embed.description = prefix + clip(safe(fact.text), min(4096, TOTAL_LIMIT - len(embed)) - len(prefix))
    return embed


class ReportActionButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rep:(?P<action>hide|edit|spoiler|dismiss):(?P<id>[0-9]{1,19})",
):
    """A report card's buttons; the report id is in the custom_id, so they work after a restart."""

    def __init__(self, action: str, report_id: int) -> None:
        label, style = REPORT_ACTIONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"rep:{action}:{report_id}"))
        self.action = action
        self.report_id = report_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReportActionButton:
        return cls(match["action"], int(match["id"]))

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise TriviaError("Report buttons only work in the server the report was made in.")
        check_row_id(self.report_id, "report")
        service = interaction.client.moderation
        reviewer = reviewer_from(interaction)
        guild_id = interaction.guild_id
        if self.action == "hide":
            report = await service.hide_reported(self.report_id, guild_id, reviewer)
            await show_outcome(interaction, report, "Hidden in this server. `/trivia-fact unhide` brings it back.")
        elif self.action == "spoiler":
            report = await service.spoiler_reported(self.report_id, guild_id, reviewer)
            await show_outcome(interaction, report, "Marked as a spoiler in this server.")
        elif self.action == "edit":
            report = await service.open_report(self.report_id, guild_id, reviewer)
            await service.editable(guild_id, report.fact.id, reviewer)
            await interaction.response.send_modal(
                edit_form(f"rep-edit:{report.id}", f"Edit the fact of report #{report.id}", report.fact.text)
            )
        else:
            report = await service.open_report(self.report_id, guild_id, reviewer)
            await interaction.response.send_modal(dismiss_form(report))


def report_view(report_id: int) -> discord.ui.View:
    return static_view(*(ReportActionButton(action, report_id) for action in REPORT_ACTIONS))


class DeleteFactButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fact:delete:(?P<id>[0-9]{1,19})",
):
    """The confirmation of `/trivia-fact delete`: nothing is deleted until this is pressed."""

    def __init__(self, fact_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete for good", style=discord.ButtonStyle.danger, custom_id=f"fact:delete:{fact_id}"
            )
        )
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteFactButton:
        return cls(int(match["id"]))

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise TriviaError("That only works in a server.")
        check_row_id(self.fact_id, "fact")
        fact = await interaction.client.moderation.delete(
            interaction.guild_id, self.fact_id, reviewer_from(interaction)
        )
        text = f"Deleted the fact about **{safe(fact.film_label)}**. Its text is kept in `/trivia-config log`."
        if interaction.message is not None:
            await interaction.response.edit_message(content=text, embed=None, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True)


class DeleteGlobalFactButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"admin:delete:(?P<id>[0-9]{1,19})",
):
    """The confirmation of `/trivia-admin delete`; the owner check is made again on the press."""

    def __init__(self, fact_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete everywhere", style=discord.ButtonStyle.danger, custom_id=f"admin:delete:{fact_id}"
            )
        )
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteGlobalFactButton:
        return cls(int(match["id"]))

    async def run(self, interaction: Interaction) -> None:
        cog = cog_of(interaction.client, Moderation)
        owner = await cog.require_owner(interaction)
        check_row_id(self.fact_id, "fact")
        fact = await interaction.client.moderation.global_delete(self.fact_id, owner)
        text = f"Deleted the global fact about **{safe(fact.film_label)}**; its text is kept in the log."
        if interaction.message is not None:
            await interaction.response.edit_message(content=text, embed=None, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True)


class RevertEditButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"audit:revert:(?P<id>[0-9]{1,19})",
):
    """Undo an edit from the history: the text it replaced comes back (itself a logged edit)."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Revert", style=discord.ButtonStyle.secondary, custom_id=f"audit:revert:{entry_id}")
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RevertEditButton:
        return cls(int(match["id"]))

    async def run(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            raise TriviaError("That only works in a server.")
        check_row_id(self.entry_id, "log entry")
        fact = await interaction.client.moderation.revert_edit(
            interaction.guild_id, self.entry_id, reviewer_from(interaction)
        )
        await interaction.response.send_message(
            f"Reverted: the fact about **{safe(fact.film_label)}** has its earlier text again.", ephemeral=True
        )


async def show_outcome(interaction: discord.Interaction, report: Report, note: str) -> None:
    """The card pressed shows who decided and loses its buttons; the review-channel copy and the
    reporters' DMs were recorded in the outbox with the decision."""
    if interaction.message is not None:
        await interaction.response.edit_message(content=note, embed=report_embed(report), view=None)
    else:
        await interaction.response.send_message(note, embed=report_embed(report), ephemeral=True)


def edit_form(custom_id: str, title: str, text: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=clip(title, MODAL_TITLE_LIMIT), custom_id=custom_id)
    modal.add_item(
        discord.ui.TextInput(
            label="The fact",
            custom_id="fact",
            style=discord.TextStyle.paragraph,
            default=text[:MAX_FACT],
            min_length=MIN_FACT,
            max_length=MAX_FACT,
        )
    )
    return stateless(modal)


def dismiss_form(report: Report) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=clip(f"Dismiss report #{report.id}", MODAL_TITLE_LIMIT), custom_id=f"rep-dismiss:{report.id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Reason (optional, sent to the reporters)",
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_DISMISS_REASON,
        )
    )
    return stateless(modal)


def fact_line(number: int, fact: ModFact, guild_id: int) -> str:
    marks = [
        m for m, on in (("hidden", fact.hidden), ("spoiler", fact.spoiler), ("own", fact.owned_by(guild_id))) if on
    ]
    tag = f" [{', '.join(marks)}]" if marks else ""
    return f"**{number}.**{tag} {clip(safe(fact.text), 300)}"


class Moderation(commands.Cog):
    fact = app_commands.Group(
        name="trivia-fact",
        description="Reviewers: the facts of a film in this server, and acting on one",
        guild_only=True,
        default_permissions=discord.Permissions(manage_messages=True),
    )

    admin = app_commands.Group(
        name="trivia-admin",
        description="The bot's owners: the global catalog",
        default_permissions=discord.Permissions(administrator=True),
    )

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self._app_owners: frozenset[int] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReportActionButton, DeleteFactButton, RevertEditButton, DeleteGlobalFactButton)
        router = cog_of(self.bot, Submissions)
        router.form_routes.extend(
            [
                (REPORT_FORM, self._report_form),
                (REPORT_EDIT_FORM, self._report_edit_form),
                (REPORT_DISMISS_FORM, self._report_dismiss_form),
                (FACT_EDIT_FORM, self._fact_edit_form),
                (ADMIN_EDIT_FORM, self._admin_edit_form),
            ]
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReportActionButton, DeleteFactButton, RevertEditButton, DeleteGlobalFactButton)
        router = next((c for c in self.bot.cogs.values() if isinstance(c, Submissions)), None)
        if router is not None:
            router.form_routes[:] = [(p, h) for p, h in router.form_routes if getattr(h, "__self__", None) is not self]

    def report_message(self, report: Report, *, waiting: str | None = None) -> tuple[discord.Embed, discord.ui.View]:
        return report_embed(report, waiting=waiting), report_view(report.id)

    # --- /trivia-fact --------------------------------------------------------------------------------------

    async def _pick(self, interaction: discord.Interaction, film: str, number: int) -> ModFact:
        assert interaction.guild_id is not None
        numbered = await self.bot.moderation.numbered(interaction.guild_id, film, reviewer_from(interaction))
        return numbered.at(number)

    @fact.command(name="list", description="The film's facts in this server, numbered, hidden ones marked")
    @app_commands.describe(film="The film's title")
    async def list_(self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH]) -> None:
        assert interaction.guild_id is not None
        numbered = await self.bot.moderation.numbered(interaction.guild_id, film, reviewer_from(interaction))
        if not numbered.facts:
            await interaction.response.send_message(
                f"**{safe(numbered.film_label)}** has no facts here.", ephemeral=True
            )
            return
        lines = [fact_line(n, f, interaction.guild_id) for n, f in enumerate(numbered.facts, 1)]
        await send_pages(interaction, clip(f"Facts of {numbered.film_label}", 256), lines)

    @fact.command(name="hide", description="Hide a fact in this server (other servers are unaffected)")
    @app_commands.describe(film="The film's title", number="The fact's number in /trivia-fact list")
    async def hide(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        fact = await self._pick(interaction, film, number)
        await self.bot.moderation.hide(interaction.guild_id, fact.id, reviewer_from(interaction))
        await interaction.response.send_message(
            f"Fact {number} of **{safe(fact.film_label)}** is hidden in this server. "
            "`/trivia-fact unhide` brings it back.",
            ephemeral=True,
        )

    @fact.command(name="unhide", description="Show a hidden fact in this server again")
    @app_commands.describe(film="The film's title", number="The fact's number in /trivia-fact list")
    async def unhide(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        fact = await self._pick(interaction, film, number)
        await self.bot.moderation.unhide(interaction.guild_id, fact.id, reviewer_from(interaction))
        await interaction.response.send_message(
            f"Fact {number} of **{safe(fact.film_label)}** is shown in this server again.", ephemeral=True
        )

    @fact.command(name="spoiler", description="Mark or unmark a fact as a spoiler in this server")
    @app_commands.describe(film="The film's title", number="The fact's number in /trivia-fact list")
    async def spoiler(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        fact = await self._pick(interaction, film, number)
        await self.bot.moderation.set_spoiler(
            interaction.guild_id, fact.id, reviewer_from(interaction), not fact.spoiler
        )
        state = "no longer marked as a spoiler" if fact.spoiler else "marked as a spoiler"
        await interaction.response.send_message(
            f"Fact {number} of **{safe(fact.film_label)}** is {state} in this server.", ephemeral=True
        )

    @fact.command(name="edit", description="Edit one of this server's own facts")
    @app_commands.describe(film="The film's title", number="The fact's number in /trivia-fact list")
    async def edit(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        fact = await self._pick(interaction, film, number)
        await self.bot.moderation.editable(interaction.guild_id, fact.id, reviewer_from(interaction))
        await interaction.response.send_modal(
            edit_form(f"fact-edit:{fact.id}", f"Edit fact {number} of {fact.film_label}", fact.text)
        )

    @fact.command(name="delete", description="Delete one of this server's own facts (asks to confirm)")
    @app_commands.describe(film="The film's title", number="The fact's number in /trivia-fact list")
    async def delete(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        assert interaction.guild_id is not None
        fact = await self._pick(interaction, film, number)
        await self.bot.moderation.editable(interaction.guild_id, fact.id, reviewer_from(interaction))
        await interaction.response.send_message(
            f"Delete fact {number} of **{safe(fact.film_label)}**?\n> {clip(safe(fact.text), 500)}",
            view=static_view(DeleteFactButton(fact.id)),
            ephemeral=True,
        )

    @list_.autocomplete("film")
    @hide.autocomplete("film")
    @unhide.autocomplete("film")
    @spoiler.autocomplete("film")
    @edit.autocomplete("film")
    @delete.autocomplete("film")
    async def film_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot, current, interaction.guild_id)

    # --- /trivia-admin: the bot's owners ------------------------------------------------------------------

    async def owners(self) -> frozenset[int]:
        """OWNER_IDS plus the application's owner or its team's members (asked of Discord once)."""
        if self._app_owners is None:
            info = await self.bot.application_info()
            team = info.team.members if info.team else []
            self._app_owners = frozenset([m.id for m in team] or ([info.owner.id] if info.owner else []))
        return self.bot.settings.owner_ids | self._app_owners

    async def require_owner(self, interaction: discord.Interaction) -> Actor:
        if interaction.user.id not in await self.owners():
            raise TriviaError("Only the bot's owners can change the global catalog.")
        return actor_from(interaction)

    async def _global_pick(self, interaction: discord.Interaction, film: str, number: int) -> ModFact:
        await self.require_owner(interaction)
        return (await self.bot.moderation.global_numbered(film)).at(number)

    @admin.command(name="reports", description="Open reports of global facts, from every server")
    async def admin_reports(self, interaction: discord.Interaction) -> None:
        await self.require_owner(interaction)
        reports = await self.bot.moderation.global_reports()
        if not reports:
            await interaction.response.send_message("No open reports of global facts.", ephemeral=True)
            return
        lines = [
            f"**#{r.id}** server {r.guild_id} · **{safe(r.fact.film_label)}** fact #{r.fact.id} · "
            + ", ".join(f"{x.kind}" + (f" ({safe(x.details)})" if x.details else "") for x in r.reasons)
            + f"\n> {clip(safe(r.fact.text), 200)}"
            for r in reports
        ]
        await send_pages(interaction, "Reports of global facts", lines)

    @admin.command(name="import", description="Import a page, JSON or CSV file into the global catalog")
    @app_commands.describe(file="A Making Of page (.txt), or JSON or CSV in the export format; up to 2 MiB")
    async def admin_import(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        owner = await self.require_owner(interaction)
        if file.size > DISCORD_IMPORT_BYTES:
            raise TriviaError(
                f"**{safe(file.filename)}** is over 2 MiB: import it on the host with `python -m bot import`."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await self.bot.moderation.global_import(owner, file.filename, await file.read())
        await interaction.followup.send(
            f"Imported **{safe(file.filename)}** into the global catalog: {summary.describe()}.", ephemeral=True
        )

    @admin.command(name="edit", description="Edit a global fact (the old text stays in the log)")
    @app_commands.describe(film="The film's title", number="The fact's number among the film's global facts")
    async def admin_edit(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        fact = await self._global_pick(interaction, film, number)
        await interaction.response.send_modal(
            edit_form(f"admin-edit:{fact.id}", f"Edit global fact {number} of {fact.film_label}", fact.text)
        )

    @admin.command(name="delete", description="Delete a global fact everywhere (asks to confirm)")
    @app_commands.describe(film="The film's title", number="The fact's number among the film's global facts")
    async def admin_delete(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        fact = await self._global_pick(interaction, film, number)
        await interaction.response.send_message(
            f"Delete global fact {number} of **{safe(fact.film_label)}** in every server?\n"
            f"> {clip(safe(fact.text), 500)}",
            view=static_view(DeleteGlobalFactButton(fact.id)),
            ephemeral=True,
        )

    @admin.command(name="spoiler", description="Mark or unmark a global fact as a spoiler")
    @app_commands.describe(film="The film's title", number="The fact's number among the film's global facts")
    async def admin_spoiler(
        self, interaction: discord.Interaction, film: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
        number: app_commands.Range[int, 1, 1_000_000],
    ) -> None:  # fmt: skip
        fact = await self._global_pick(interaction, film, number)
        owner = await self.require_owner(interaction)
        await self.bot.moderation.global_spoiler(fact.id, owner, not fact.spoiler)
        state = "no longer marked as a spoiler" if fact.spoiler else "marked as a spoiler"
        await interaction.response.send_message(
            f"Global fact {number} of **{safe(fact.film_label)}** is {state} (servers' own marks still apply).",
            ephemeral=True,
        )

    @admin_edit.autocomplete("film")
    @admin_delete.autocomplete("film")
    @admin_spoiler.autocomplete("film")
    async def admin_film_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await film_choices(self.bot, current, interaction.guild_id)

    async def _admin_edit_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        owner = await self.require_owner(interaction)
        fact, entry = await self.bot.moderation.global_edit(
            check_row_id(int(match["id"]), "fact"), owner, values.get("fact", "")
        )
        await interaction.response.send_message(
            f"Global fact about **{safe(fact.film_label)}** edited; the old text is log entry #{entry} "
            "(`python -m bot audit`).",
            ephemeral=True,
        )

    # --- forms -------------------------------------------------------------------------------------------

    async def _report_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        report_id, outcome = await self.bot.moderation.report(
            guild_id=interaction.guild_id,
            fact_id=check_row_id(int(match["id"]), "fact"),
            member_id=interaction.user.id,
            member_name=interaction.user.display_name,
            kind=values.get("kind"),
            details=values.get("details"),
        )
        if outcome == "already":
            text = f"You have already reported this fact (report #{report_id}); the moderators will look at it."
        else:
            text = f"Thanks! Your report (#{report_id}) reached this server's moderators."
        await interaction.response.send_message(text, ephemeral=True)

    async def _report_edit_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        report = await self.bot.moderation.edit_reported(
            check_row_id(int(match["id"]), "report"), interaction.guild_id, reviewer_from(interaction),
            values.get("fact", ""),
        )  # fmt: skip
        await show_outcome(interaction, report, "Fact edited. The old text is in `/trivia-config log`.")

    async def _report_dismiss_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        report = await self.bot.moderation.dismiss(
            check_row_id(int(match["id"]), "report"), interaction.guild_id, reviewer_from(interaction),
            values.get("reason"),
        )  # fmt: skip
        await show_outcome(interaction, report, "Report dismissed; the reporters will be told by DM.")

    async def _fact_edit_form(
        self, interaction: discord.Interaction, match: re.Match[str], values: dict[str, str]
    ) -> None:
        assert interaction.guild_id is not None
        fact, entry = await self.bot.moderation.edit(
            interaction.guild_id,
            check_row_id(int(match["id"]), "fact"),
            reviewer_from(interaction),
            values.get("fact", ""),
        )
        await interaction.response.send_message(
            f"Fact about **{safe(fact.film_label)}** edited (log entry #{entry}). The old text is in "
            "`/trivia-config log`; **Revert** puts it back.",
            view=static_view(RevertEditButton(entry)),
            ephemeral=True,
        )

    # --- the outbox: a report's card and the reporters' DMs ---------------------------------------------------

    async def deliver(self, item: OutboxItem) -> None:
        """Called by the Submissions cog's delivery loop (one loop for every side effect); raises what the
        loop's retry and give-up rules read (discord.Forbidden, NotFound, ...)."""
        service = self.bot.submissions
        assert item.report_id is not None
        report = await self.bot.moderation.report_for_delivery(item.report_id)
        if report is None:
            await service.delivered(item, "gave up: the report is gone (its fact was deleted)")
            return
        if item.kind == REPORT_POST:
            assert item.channel_id is not None
            channel = self.bot.get_partial_messageable(item.channel_id, guild_id=report.guild_id)
            view = report_view(report.id) if report.status == "open" else None
            failpoint("outbox.report_post.before_send")
            message = await channel.send(
                embed=report_embed(report),
                view=view or discord.utils.MISSING,
                nonce=f"outbox-{item.id}",
                allowed_mentions=discord.AllowedMentions.none(),
            )
            await service.outbox.report_posted(item, channel.id, message.id, self.bot.submissions.clock())
        elif item.kind == REPORT_DM:
            assert item.member_id is not None
            guild = self.bot.get_guild(report.guild_id)
            where = f" in **{safe(guild.name)}**" if guild else ""
            text = (
                f"Thanks for your report of a fact about **{safe(report.fact.film_label)}**{where}. "
                "The moderators looked at it and left the fact as it is."
            )
            if report.reason:
                text += f"\nReason: {safe(report.reason)}"
            dm = await self.bot.create_dm(discord.Object(item.member_id))
            await dm.send(text[:2000], nonce=f"outbox-{item.id}", allowed_mentions=discord.AllowedMentions.none())
            await service.delivered(item)
        else:  # REPORT_UPDATE: the card shows a new reporter, or the decision and no buttons
            if report.review_message_id is None or report.review_channel_id is None:
                await service.delivered(item, "no review copy to update")
                return
            channel = self.bot.get_partial_messageable(report.review_channel_id, guild_id=report.guild_id)
            view = report_view(report.id) if report.status == "open" else None
            await channel.get_partial_message(report.review_message_id).edit(
                embed=report_embed(report), view=view, allowed_mentions=discord.AllowedMentions.none()
            )
            await service.delivered(item)


async def setup(bot: TriviaBot) -> None:
    await bot.add_cog(Moderation(bot))
