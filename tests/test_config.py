"""Config loading: good files load, and every mistake names the file, the dotted key and what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config
from bot.resources import config_dir

FEED = '[[feeds]]\nname = "Example"\nurl = "https://example.org/feed.xml"\n'


def write(tmp_path: Path, text: str, name: str = "test.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


@pytest.fixture(autouse=True)
def no_telegram_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BASE_URL", raising=False)


def test_bundled_default_and_demo_configs_load() -> None:
    default = load_config(config_dir() / "default.toml")
    assert len(default.feeds) >= 4
    assert all(spec.url.startswith("https://") for spec in default.feeds)
    assert default.demo.serve is False

    demo = load_config(config_dir() / "demo.toml")
    assert demo.demo.serve is True
    assert demo.service.database == Path("dwatch-demo.db")
    assert [spec.url for spec in demo.feeds] == ["demo:/feed.xml"]
    assert demo.demo_directory().name == "demo"


def test_minimal_config_takes_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FEED))
    assert isinstance(config, Config)
    assert config.service.database == Path("dwatch.db")
    assert config.service.poll_interval_minutes == 30
    assert config.http.timeout_seconds == 20
    assert config.http.max_page_bytes == 5_000_000
    assert config.alerts.floor["displaced"] == 1000
    assert config.alerts.absolute_step.killed == 5
    assert config.alerts.relative_step == pytest.approx(0.2)
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.feeds[0].name == "Example"
    assert config.feeds[0].interval_minutes is None


def test_metric_tables_merge_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[alerts]\nfloor = { killed = 3 }\n" + FEED))
    assert config.alerts.floor.as_dict() == {"displaced": 1000, "killed": 3, "injured": 20, "strikes": 5}


def test_wrong_type_names_file_key_and_expectation(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts]\nrelative_step = "abc"\n' + FEED)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f'{path}: alerts.relative_step: expected a number between 0 and 10, got "abc"'


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ("[http]\ntimeout_seconds = 0\n", "http.timeout_seconds", "expected a number greater than 0, got 0"),
        ("[http]\nconcurrency = true\n", "http.concurrency", "expected a positive whole number, got true"),
        ("[http]\nmax_redirects = -1\n", "http.max_redirects", "expected a whole number >= 0, got -1"),
        ('[service]\nlog_level = "LOUD"\n', "service.log_level", "expected one of DEBUG, INFO"),
        ("[alerts]\nrelative_step = 11\n", "alerts.relative_step", "between 0 and 10, got 11"),
        ('[demo]\nserve = "yes"\n', "demo.serve", 'expected true or false, got "yes"'),
        ('[telegram]\nadmin_chats = [1, "x"]\n', "telegram.admin_chats[1]", 'got "x"'),
        ('[telegram]\nbase_url = "telegram"\n', "telegram.base_url", "expected an http(s) URL"),
        ("service = 3\n", "service", "expected a table ([service]), got 3"),
    ],
)
def test_bad_values(tmp_path: Path, toml: str, key: str, expected: str) -> None:
    message = error_for(tmp_path, toml + FEED)
    assert f": {key}: " in message
    assert expected in message


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[alerts]\nrelativ_step = 0.3\n" + FEED)
    assert ": alerts.relativ_step: unknown key" in message
    assert 'did you mean "relative_step"?' in message


def test_unknown_section_suggests_the_nearest(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[servce]\npoll_interval_minutes = 5\n" + FEED)
    assert ": servce: unknown section" in message
    assert 'did you mean "service"?' in message


def test_unknown_feed_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, FEED + "interval = 5\n")
    assert ": feeds[0].interval: unknown key" in message
    assert 'did you mean "interval_minutes"?' in message


def test_bad_metric_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[alerts]\nfloor = { kiled = 3 }\n" + FEED)
    assert ": alerts.floor.kiled: unknown metric" in message
    assert 'did you mean "killed"?' in message
    assert "displaced, killed, injured, strikes" in message


def test_bad_metric_value(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[alerts]\nabsolute_step = { strikes = -2 }\n" + FEED)
    assert ": alerts.absolute_step.strikes: expected a whole number >= 0, got -2" in message


def test_bad_feed_url_names_its_index(tmp_path: Path) -> None:
    text = FEED + '[[feeds]]\nname = "Two"\nurl = "https://example.net/rss"\n'
    text += '[[feeds]]\nname = "Three"\nurl = "ftp://example.com/feed"\n'
    message = error_for(tmp_path, text)
    assert message.endswith(
        ': feeds[2].url: expected an http(s) URL or "demo:/path", got "ftp://example.com/feed"'
    )


def test_feed_problems(tmp_path: Path) -> None:
    assert ": feeds[0].url: required" in error_for(tmp_path, '[[feeds]]\nname = "No URL"\n')
    assert ": feeds[1].url: duplicate of feeds[0].url" in error_for(tmp_path, FEED + FEED)
    assert ': feeds[0].url: "demo:" URLs need demo.serve = true' in error_for(
        tmp_path, '[[feeds]]\nurl = "demo:/feed.xml"\n'
    )
    assert ": feeds: expected at least one [[feeds]] table" in error_for(tmp_path, "[service]\n")
    assert ": feeds[0].interval_minutes: expected a number greater than 0" in error_for(
        tmp_path, FEED + "interval_minutes = 0\n"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="config file not found") as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ")


def test_toml_syntax_error(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[service\ndatabase = 'x'\n")
    assert "invalid TOML" in message
    assert "line 1" in message


def test_token_comes_from_env_or_file_and_is_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("123:from-file\n", encoding="utf-8")
    config = load_config(write(tmp_path, f'[telegram]\ntoken_file = "{token_file}"\n' + FEED))
    assert config.telegram_token() == "123:from-file"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "456:from-env")
    assert config.telegram_token() == "456:from-env"
    assert "from-env" not in repr(config) and "from-file" not in repr(config)
    assert "from-env" not in str(config)


def test_no_token_is_none_and_unreadable_token_file_is_an_error(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, FEED)).telegram_token() is None
    config = load_config(write(tmp_path, '[telegram]\ntoken_file = "missing-token"\n' + FEED))
    with pytest.raises(ConfigError, match=r"telegram\.token_file: cannot read"):
        config.telegram_token()


def test_base_url_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9999/bot")
    assert load_config(write(tmp_path, FEED)).telegram.base_url == "http://127.0.0.1:9999/bot"


def test_demo_urls_resolve_against_the_demo_server(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[demo]\nserve = true\n[[feeds]]\nurl = "demo:/feed.xml"\n'))
    (spec,) = config.feed_specs("http://127.0.0.1:8123/")
    assert spec.url == "demo:/feed.xml"  # identity in the store stays stable across ports
    assert spec.fetch_url == "http://127.0.0.1:8123/feed.xml"
    assert spec.name == "demo:/feed.xml"


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FEED))
    with pytest.raises(AttributeError):
        config.service.poll_interval_minutes = 1  # type: ignore[misc]
