"""The dashboard's configuration: one table of settings, read from the environment and an optional `.env` file.

Every setting has a name, a type, a default and a help text (`SETTINGS`, in `_table`, with the casts that read each
kind of value in `_casts`). `Settings.load()` reads them all and raises `ConfigError` with a message naming the
variable and what is wrong with it; `docs/configuration.md` lists every one (a test keeps that list complete, and
`python -m aod_ui.settings` prints the table).
"""

from ._casts import read_env_file
from ._settings import Settings
from ._table import SETTINGS, Setting, markdown_table

__all__ = ['SETTINGS', 'Setting', 'Settings', 'markdown_table', 'read_env_file']
