"""Configuration: the [tool.lossscale-lint] table, its schema and the analysis options it yields."""
