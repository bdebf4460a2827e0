"""Benchmark: cleaning (trafilatura) and extraction over a folder of saved article pages.

    python benchmarks/extraction.py [PAGES_DIR] [--repeat N] [--show]

Prints pages per second for each stage and the ratio of extraction time to
cleaning time for the same pages (the extractors must cost less than the
cleaning they follow), and with --show every figure found, so the reports on
unrelated pages can be read one by one. Without PAGES_DIR it uses the demo
pages bundled in seeds/demo/articles.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.cleaning import clean_html  # noqa: E402
from extractors import default_gazetteer, extract  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="?", default=str(REPO / "seeds" / "demo" / "articles"))
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (the best is reported)")
    parser.add_argument("--show", action="store_true", help="print every figure found")
    args = parser.parse_args()
    paths = sorted(p for p in Path(args.pages).iterdir() if p.suffix.lower() in (".html", ".htm"))
    if not paths:
        print(f"no .html pages in {args.pages}", file=sys.stderr)
        return 2
    raw = [p.read_bytes() for p in paths]
    started = time.perf_counter()
    gazetteer = default_gazetteer()
    extract("warm-up: 1,000 people fled Idlib.", gazetteer=gazetteer)
    load_seconds = time.perf_counter() - started

    best_clean = best_extract = float("inf")
    cleaned: list = []
    reports_total = 0
    shown: list[str] = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        cleaned = [clean_html(data) for data in raw]
        best_clean = min(best_clean, time.perf_counter() - started)
        started = time.perf_counter()
        results = [extract(page.text, title=page.title, published=page.date, gazetteer=gazetteer) if page else []
                   for page in cleaned]
        best_extract = min(best_extract, time.perf_counter() - started)
        reports_total = sum(len(r) for r in results)
        shown = [f"{path.name}: {r.metric} {r.value:,}{' (vague)' if r.vague else ''} [{r.status}] "
                 f"{r.place or '-'} | {r.quote[:110]!r}" for path, reports in zip(paths, results, strict=True)
                 for r in reports]

    tracemalloc.start()
    for page in cleaned:
        if page:
            extract(page.text, title=page.title, published=page.date, gazetteer=gazetteer)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    n = len(paths)
    text_pages = sum(1 for page in cleaned if page)
    print(f"pages: {n} ({text_pages} with text), {sum(map(len, raw)) / 1e6:.1f} MB of HTML")
    print(f"gazetteer load (once per process): {load_seconds:.2f} s")
    print(f"cleaning  : {best_clean:.2f} s  ({n / best_clean:.1f} pages/s)")
    print(f"extraction: {best_extract:.2f} s  ({n / best_extract:.1f} pages/s)")
    print(f"both      : {n / (best_clean + best_extract):.1f} pages/s")
    print(f"extraction / cleaning time: {best_extract / best_clean:.3f}")
    print(f"extraction peak traced memory: {peak / 1e6:.1f} MB")
    print(f"figures found: {reports_total} ({sum(1 for s in shown if '(vague)' not in s)} exact)")
    if args.show:
        print("\n".join(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
