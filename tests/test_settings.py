import re
from pathlib import Path

import pytest

from aod_ui.errors import ConfigError
from aod_ui.settings import SETTINGS, Settings, read_env_file

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_mean_demo_mode():
    settings = Settings.load({}, env_file=None)
    assert settings.demo
    assert settings.port == 8080
    assert settings.host == '127.0.0.1'


def test_values_are_read_and_cast():
    settings = Settings.load({'AOD_UI_PORT': '9000', 'AOD_UI_DATA_DIR': '/tmp/x', 'AOD_UI_REFRESH_SECONDS': '2.5'},
                             env_file=None)
    assert settings.port == 9000
    assert settings.data_dir == Path('/tmp/x')
    assert settings.refresh_seconds == 2.5


@pytest.mark.parametrize(('name', 'value', 'says'), [
    ('AOD_UI_PORT', 'eighty', 'AOD_UI_PORT'),
    ('AOD_UI_PORT', '70000', 'port number'),
    ('AOD_API_URL', 'ftp://x', 'http://'),
    ('AOD_UI_REQUEST_TIMEOUT', '-1', 'above zero'),
    ('AOD_UI_LOG_LEVEL', 'loud', 'one of'),
])
def test_bad_values_name_the_variable(name, value, says):
    with pytest.raises(ConfigError, match=says):
        Settings.load({name: value}, env_file=None)


def test_real_server_needs_token_and_strong_secret():
    with pytest.raises(ConfigError, match='AOD_API_TOKEN'):
        Settings.load({'AOD_API_URL': 'https://aod.example'}, env_file=None)
    with pytest.raises(ConfigError, match='AOD_UI_STORAGE_SECRET'):
        Settings.load({'AOD_API_URL': 'https://aod.example', 'AOD_API_TOKEN': 'aod_x'}, env_file=None)
    settings = Settings.load({'AOD_API_URL': 'https://aod.example/', 'AOD_API_TOKEN': 'aod_x',
                              'AOD_UI_STORAGE_SECRET': 's' * 32}, env_file=None)
    assert settings.aod_url == 'https://aod.example'
    assert not settings.demo


def test_secrets_are_not_echoed_in_errors_or_repr():
    settings = Settings.load({'AOD_API_URL': 'https://aod.example', 'AOD_API_TOKEN': 'aod_secret_value',
                              'AOD_UI_STORAGE_SECRET': 'x' * 40}, env_file=None)
    assert 'aod_secret_value' not in repr(settings)
    assert 'x' * 40 not in repr(settings)


def test_env_file_is_read_and_environment_wins(tmp_path):
    env = tmp_path / '.env'
    env.write_text('# comment\nAOD_UI_PORT=8123\nexport AOD_UI_TITLE="Team agents"\n')
    assert read_env_file(env) == {'AOD_UI_PORT': '8123', 'AOD_UI_TITLE': 'Team agents'}
    settings = Settings.load({'AOD_UI_PORT': '8124'}, env_file=env)
    assert settings.port == 8124
    assert settings.title == 'Team agents'


def test_malformed_env_file_line_is_reported(tmp_path):
    env = tmp_path / '.env'
    env.write_text('AOD_UI_PORT 8123\n')
    with pytest.raises(ConfigError, match=r'\.env:1'):
        Settings.load({}, env_file=env)


def test_every_setting_is_documented():
    documented = set(re.findall(r'`([A-Z_]+)`', (ROOT / 'docs' / 'configuration.md').read_text()))
    missing = [s.env for s in SETTINGS if s.env not in documented]
    assert not missing, f'add these to docs/configuration.md: {missing}'


def test_every_setting_field_exists():
    fields = set(Settings.__dataclass_fields__)
    assert {s.attr for s in SETTINGS} <= fields
