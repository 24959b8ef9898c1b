"""The dashboard's pages, one module each; `register_all` registers every one."""

from ..system import System
from . import api_tokens, audit, login, new_session, operations, people, session_page, sessions_list

__all__ = ['register_all']


def register_all(system: System) -> None:
    login.register(system)
    sessions_list.register(system)
    new_session.register(system)
    session_page.register(system)
    people.register(system)
    audit.register(system)
    operations.register(system)
    api_tokens.register(system)
