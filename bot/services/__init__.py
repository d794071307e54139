"""Use-cases shared by the cogs and the CLI: each service takes the store and the injected clock."""
