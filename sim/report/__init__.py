"""Charts and reports of results (docs/cli.md, `citypaths plot`)."""
