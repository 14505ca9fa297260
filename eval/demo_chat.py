"""A chat session with the official openai SDK against a running ``briefing serve``.

    briefing keys create --name demo            # prints the key
    briefing serve --port 8000 &
    python -m eval.demo_chat --base-url http://127.0.0.1:8000/v1 --key brf_...

Stores the example report, then asks three questions (one the reports answer, a follow-up,
one they cannot) and prints each answer with its citations as the SDK returns them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from openai import OpenAI

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Who took command after Kisel was dismissed?",
    "What did Peskov say?",
    "What is the population of Brazil?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    httpx.post(
        args.base_url.removesuffix("/v1") + "/v1/reports",
        content=(ROOT / "examples/syria-leadership-2024-12-02.txt").read_bytes(),
        headers={"Authorization": f"Bearer {args.key}", "content-type": "text/plain"},
        timeout=60,
    ).raise_for_status()
    client = OpenAI(base_url=args.base_url, api_key=args.key)
    history: list[dict[str, str]] = []
    for question in QUESTIONS:
        history.append({"role": "user", "content": question})
        answer = client.chat.completions.create(model="briefing", messages=history)  # type: ignore[arg-type]
        message = answer.choices[0].message
        history.append({"role": "assistant", "content": message.content or ""})
        print(f">>> {question}\n{message.content}")
        for a in message.annotations or []:
            print(
                f"    annotation {a.url_citation.start_index}-{a.url_citation.end_index}: "
                f"{a.url_citation.url}"
            )
        print(f"    usage: {answer.usage.total_tokens if answer.usage else 0} tokens\n")


if __name__ == "__main__":
    main()
