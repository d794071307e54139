"""Discord glue: one extension per feature. Cogs translate between Discord and the domain; no SQL, no rules."""
