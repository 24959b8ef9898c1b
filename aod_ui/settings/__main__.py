"""`python -m aod_ui.settings` prints the settings as the table in docs/configuration.md."""

from ._table import markdown_table

print(markdown_table())
