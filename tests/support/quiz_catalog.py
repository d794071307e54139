"""A small catalog for quiz tests: five 1980s films beside the seed's Mask (1985), whose facts name their
film in the ways masking must catch (possessives, "The", case, AKA titles, the year)."""

from __future__ import annotations

from bot.app import TriviaBot
from bot.db.catalog import CatalogRepository
from bot.trivia.records import FactRecord, FilmRecord

QUIZ_FILMS = [
    FilmRecord("The Goonies", 1985, "Adventure", facts=[
        FactRecord("The Goonies' pirate ship, the Inferno, was built full size and the young cast saw it first on camera."),
        FactRecord("Sean Astin was cast in THE GOONIES after Steven Spielberg saw him in a TV film in '84."),
    ]),
    FilmRecord("Back to the Future", 1985, "Sci-Fi", aliases=["Spaceman from Pluto"], facts=[
        FactRecord("A studio memo asked to rename Back to the Future as Spaceman From Pluto; the producers laughed it off."),
        FactRecord("Eric Stoltz played Marty for five weeks before the part was recast in 1985."),
    ]),
    FilmRecord("The Breakfast Club", 1985, "Comedy / Drama", facts=[
        FactRecord("Most of Breakfast Club's library was a set built in a school gymnasium in Illinois."),
    ]),
    FilmRecord("Ghostbusters", 1984, "Comedy", facts=[
        FactRecord("The Ghostbusters logo was designed before the script was finished; ghostbusters' cars were ambulances."),
    ]),
    FilmRecord("Top Gun", 1986, "Action", facts=[
        FactRecord("Top Gun's flight scenes used real Navy jets, with cameras mounted where missiles would hang."),
    ]),
]  # fmt: skip


async def add_quiz_films(bot: TriviaBot) -> None:
    await CatalogRepository(bot.store).import_films(QUIZ_FILMS)
    bot.trivia.titles_changed()
