"""A real digest of real news: ECB+ dev documents of a few topics, with their outlets' URLs.

    python -m eval.demo_digest OUT_FOLDER [--topics 3 16]
    briefing digest OUT_FOLDER --format md

Writes each ECB+ *plus* document of the topics as a Markdown report whose front matter gives
its source (the outlet's host) and URL from ``eval/data/ecbplus-dev/sources.json``, so that
publisher families and independence are counted as they would be for a live feed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "eval/data/ecbplus-dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--topics", nargs="+", default=["3", "16"])
    args = parser.parse_args()
    sources = json.loads((DEV / "sources.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, url in sorted(sources.items()):
        if name.split("_")[0] not in args.topics:
            continue
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        front = yaml.safe_dump({"source": host, "url": url}, sort_keys=False)
        text = (DEV / name).read_text()
        (args.out / name.replace(".txt", ".md")).write_text(f"---\n{front}---\n\n{text}")
        written += 1
    print(f"wrote {written} reports to {args.out}")


if __name__ == "__main__":
    main()
