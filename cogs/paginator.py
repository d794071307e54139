"""Long ephemeral lists as pages of an embed with Previous/Next buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from cogs.kit import admit, clip

PAGE_CHARS = 3500  # under the 4096 description limit, with room for the footer
PAGE_LINES = 10


def paginate(lines: list[str], *, per_page: int = PAGE_LINES, max_chars: int = PAGE_CHARS) -> list[str]:
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = clip(line, max_chars)
        if current and (len(current) >= per_page or size + len(line) + 2 > max_chars):
            pages.append("\n\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 2
    if current:
        pages.append("\n\n".join(current))
    return pages or [""]


class Pager(discord.ui.View):
    def __init__(self, title: str, pages: list[str], owner_id: int) -> None:
        super().__init__(timeout=600)
        self.title = title
        self.pages = pages
        self.page = 0
        self.owner_id = owner_id
        self._sync_buttons()

    def embed(self) -> discord.Embed:
        embed = discord.Embed(title=self.title, description=self.pages[self.page])
        if len(self.pages) > 1:
            embed.set_footer(text=f"page {self.page + 1} of {len(self.pages)}")
        return embed

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await admit(interaction):
            return False
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command; run it yourself to get your own.", ephemeral=True
        )
        return False

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.page = max(0, self.page - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.page = min(len(self.pages) - 1, self.page + 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self)


async def send_pages(
    interaction: discord.Interaction, title: str, lines: list[str], extra: Sequence[discord.ui.Item[Any]] = ()
) -> None:
    """Ephemeral pages; `extra` items (an action on the list) ride along under the page buttons."""
    pages = paginate(lines)
    pager = Pager(title, pages, interaction.user.id)
    if len(pages) == 1:
        pager.clear_items()
    for item in extra:
        pager.add_item(item)
    if pager.children:
        await interaction.response.send_message(embed=pager.embed(), view=pager, ephemeral=True)
    else:
        await interaction.response.send_message(embed=pager.embed(), ephemeral=True)
