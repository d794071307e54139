"""Use-cases shared by cogs and the CLI."""
