"""Constants shared by the test packages."""

from aod_ui.simulator import agent_id

DASHBOARD_TOKEN = 'aod_dashboard_service_token_for_tests_0123456789'
CODE_REVIEW = agent_id('code-review')
BUG_FIX = agent_id('bug-fix')
CODEX = agent_id('codex-refactor')
