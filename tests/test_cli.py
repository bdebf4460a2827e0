"""The `dwatch` command as a person uses it: exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def dwatch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, timeout=300)


def test_a_wrong_config_value_names_the_file_and_key_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[alerts]\nrelative_step = "lots"\n[[feeds]]\nname = "x"\nurl = "https://example.org/f"\n')
    result = dwatch("run", "--config", str(config), "--once")
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and "alerts.relative_step" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_typo_in_a_key_suggests_the_right_one(tmp_path: Path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text('[service]\npoll_intervall_minutes = 5\n[[feeds]]\nname = "x"\nurl = "https://example.org/f"\n')
    result = dwatch("status", "--config", str(config))
    assert result.returncode == 2
    assert "poll_interval_minutes" in result.stderr


def test_extract_prints_json_lines_with_the_document(tmp_path: Path) -> None:
    article = tmp_path / "note.txt"
    article.write_text("Floods force thousands from homes\n\nAt least 4,200 people were evacuated from Beledweyne "
                       "on Tuesday after the Shabelle river burst its banks, officials said.\n")
    result = dwatch("extract", "--format", "jsonl", str(article))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    exact = [r for r in rows if not r["vague"]]
    assert [(r["metric"], r["value"], r["qualifier"], r["document"]) for r in exact] == [
        ("displaced", 4200, "at least", str(article))]


def test_extract_table_shows_a_person_every_field(tmp_path: Path) -> None:
    article = tmp_path / "note.txt"
    article.write_text("date: 2024-03-12\nAn air strike on a market in Kharkiv killed 9 people and wounded at least "
                       "30 on Monday, the regional governor said.\n")
    result = dwatch("extract", "--format", "table", str(article))
    assert result.returncode == 0, result.stderr
    for column in ("metric", "value", "qualifier", "unit", "place", "period", "source", "quote"):
        assert column in result.stdout
    assert "Kharkiv" in result.stdout and "at least" in result.stdout and "2024-03-11" in result.stdout


def test_extract_on_a_missing_file_says_so() -> None:
    result = dwatch("extract", "/no/such/file.txt")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_the_demo_prints_its_alerts_once_and_nothing_the_second_time(tmp_path: Path) -> None:
    """The README's main job: the offline demo through the real fetch path, run twice."""
    demo = str(REPO / "config" / "demo.toml")
    first = dwatch("run", "--config", demo, "--once", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "dwatch-demo.db").exists()
    alerts = [line for line in first.stdout.splitlines() if " — " in line and ":" in line]
    assert any(line.startswith("Maarat al-Numan — displaced: nearly 20,000") for line in alerts)
    assert any(line.startswith("Idlib Governorate — displaced: more than 235,000") for line in alerts)
    assert any(line.startswith("Saraqib — killed: 9 people") for line in alerts)
    # the wire story carried by two outlets is one alert, not two
    assert sum("about 120,000" in line for line in alerts) == 1
    # the article made only of traps (population, aid, distances) alerts nothing
    assert "atmeh-camps-winter" not in first.stdout

    second = dwatch("run", "--config", demo, "--once", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""
    assert "0 new alert(s)" in second.stderr
