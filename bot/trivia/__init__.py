"""Pure domain code: no I/O, no `discord` import, so every rule here is tested without a bot or a database."""
