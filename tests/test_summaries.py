"""Summaries people would rather look at: the text, the chart, the daily digest and the open-data export."""

from __future__ import annotations

import csv
import io
import json
import shutil
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.digests import due_digests, parse_digest
from bot.export import COLUMNS, export_rows, write
from bot.store import Store
from bot.summaries import summary_chart, summary_text
from extractors import default_gazetteer

REPO = Path(__file__).resolve().parents[1]


def copy_of(db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(db, target)
    return target


def test_the_summary_gives_each_metric_its_latest_figure_change_and_sources(demo_db: Path) -> None:
    gazetteer = default_gazetteer()
    with Store(demo_db) as store:
        text = summary_text(store, gazetteer, gazetteer.resolve("Idlib province")[0], days=14)
    lines = text.splitlines()
    assert lines[0] == "Idlib Governorate, last 14 days:"
    displaced = next(line for line in lines if line.startswith("• displaced"))
    assert "more than 235,000" in displaced and "up from 80,000 on 21 Dec" in displaced
    assert "United Nations" in displaced
    assert any(line.startswith("• killed") for line in lines)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_the_chart_is_a_phone_sized_png_with_something_drawn(demo_db: Path) -> None:
    import matplotlib.image as mpimg

    gazetteer = default_gazetteer()
    with Store(demo_db) as store:
        png = summary_chart(store, gazetteer, gazetteer.resolve("Idlib province")[0], 14,
                            {"displaced": 1000, "killed": 10})
    assert png is not None
    width, height = _png_size(png)
    assert 800 <= width <= 1400 and height >= width  # portrait, readable on a phone
    pixels = mpimg.imread(io.BytesIO(png))
    colours = {tuple(round(c, 2) for c in pixel[:3]) for pixel in pixels.reshape(-1, pixels.shape[-1])[::97]}
    assert len(colours) > 20  # lines, points, labels: not a blank canvas
    blue = sum(1 for c in colours if c[2] > 0.6 and c[0] < 0.3)  # the displacement line is drawn
    assert blue > 0


def test_dwatch_summary_writes_the_chart(demo_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[service]\ndatabase = "{demo_db}"\n[[feeds]]\nname = "x"\nurl = "https://e.org/f"\n')
    result = subprocess.run([sys.executable, "-m", "bot.cli", "summary", "Maaret al-Nouman", "--days", "30", "--png",
                             str(tmp_path / "m.png"), "--config", str(config)], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Maarat al-Numan, last 30 days:")
    assert _png_size((tmp_path / "m.png").read_bytes())[0] >= 800


def test_a_digest_goes_out_at_the_chosen_hour_and_only_when_something_changed(demo_db: Path,
                                                                             tmp_path: Path) -> None:
    gazetteer = default_gazetteer()
    with Store(copy_of(demo_db, tmp_path)) as store:
        store.subscribe(5, "private", None)
        store.add_watch(5, "iso:SY-ID", "Idlib Governorate")
        store.set_digest(5, "07:30", "Asia/Damascus")  # UTC+3 in winter
        store.conn.execute("UPDATE subscribers SET digest_covered_until = '2000-01-01T00:00:00+00:00'")
        morning = datetime(2026, 11, 23, 4, 29, tzinfo=UTC)  # 07:29 in Damascus
        assert due_digests(store, gazetteer, morning) == []
        sent = due_digests(store, gazetteer, morning + timedelta(minutes=2))
        assert [chat for chat, _ in sent] == [5]
        text = sent[0][1]
        assert text.startswith("Daily digest:") and "Idlib Governorate — displaced: more than 235,000" in text
        assert "Maarat al-Numan — displaced" in text  # a town inside the province
        assert due_digests(store, gazetteer, morning + timedelta(hours=3)) == []  # once a day
        assert due_digests(store, gazetteer, morning + timedelta(days=1, minutes=2)) == []  # nothing changed


def test_digest_arguments_are_checked() -> None:
    assert parse_digest(["07:30", "Europe/Istanbul"]) == ("07:30", "Europe/Istanbul")
    assert "not a time of day" in str(parse_digest(["7h30"]))
    assert "not a time zone" in str(parse_digest(["07:30", "Mars/Olympus"]))


def test_csv_and_hxl_exports_round_trip(demo_db: Path) -> None:
    gazetteer = default_gazetteer()
    with Store(demo_db) as store:
        rows = export_rows(store, gazetteer, place="Idlib")
    assert rows and all(row["province"] == "Idlib Governorate" or row["place"] == "Idlib Governorate"
                        for row in rows)
    for fmt in ("csv", "hxl"):
        out = io.StringIO()
        write(rows, out, fmt)
        parsed = list(csv.reader(io.StringIO(out.getvalue())))
        assert parsed[0] == [name for name, _ in COLUMNS]
        if fmt == "hxl":
            tags = dict(zip(parsed[0], parsed[1], strict=True))
            assert tags["displaced"] == "#affected+idps" and tags["killed"] == "#affected+killed"
            assert tags["date_reported"] == "#date+reported" and tags["source"] == "#meta+source"
            assert tags["link"] == "#meta+url" and tags["province"] == "#adm1+name"
            body = parsed[2:]
        else:
            body = parsed[1:]
        records = [dict(zip(parsed[0], line, strict=True)) for line in body]
        top = max((r for r in records if r["metric"] == "displaced" and r["vague"] == "False"),
                  key=lambda r: int(r["value"]))
        assert (top["value"], top["displaced"], top["qualifier"]) == ("235000", "235000", "more than")
        assert top["link"].endswith("unhcr-idlib-exodus.html") and top["date_reported"] == "2019-12-27"
    out = io.StringIO()
    write(rows, out, "json")
    assert json.loads(out.getvalue())[0].keys() >= {"place", "metric", "value", "source", "link"}
