"""A real digest of real news: ECB+ dev documents of a few topics, with their outlets' URLs.

    python -m eval.demo_digest OUT_FOLDER [--topics 3 16] [--data eval/data/ecbplus-train --all]
    briefing digest OUT_FOLDER --format md

Writes each ECB+ *plus* document of the topics as a Markdown report whose front matter gives
its source (the outlet's host) and URL from ``eval/data/ecbplus-dev/sources.json``, so that
publisher families and independence are counted as they would be for a live feed. With
``--data eval/data/ecbplus-train --all`` it writes a train topic whole, the ECB documents
without a URL each an outlet of its own: the code-only digests the analysis changes are read on.
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
    parser.add_argument(
        "--data", type=Path, default=DEV, help="an ECB+ folder with sources.json (default: dev)"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also the documents without a source URL (ECB's own), each an outlet of its own",
    )
    args = parser.parse_args()
    sources: dict[str, str | None] = json.loads((args.data / "sources.json").read_text())
    if args.all:
        for path in args.data.glob("*_*ecb*.txt"):
            sources.setdefault(path.name, None)
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, url in sorted(sources.items()):
        if name.split("_")[0] not in args.topics:
            continue
        if url is None:
            front = yaml.safe_dump({"source": f"outlet-{Path(name).stem}"}, sort_keys=False)
        else:
            host = (urlsplit(url).hostname or "").removeprefix("www.")
            front = yaml.safe_dump({"source": host, "url": url}, sort_keys=False)
        text = (args.data / name).read_text()
        (args.out / name.replace(".txt", ".md")).write_text(f"---\n{front}---\n\n{text}")
        written += 1
    print(f"wrote {written} reports to {args.out}")


if __name__ == "__main__":
    main()
