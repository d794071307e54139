"""Film Trivia Bot: a self-hosted Discord bot serving behind-the-scenes film facts."""

__version__ = "0.1.0"
