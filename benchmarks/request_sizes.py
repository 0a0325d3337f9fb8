"""How big Chorus's Sheets requests are on a first sync of N form responses, split and unsplit.

    .venv/bin/python -m benchmarks.request_sizes                 # 10,000 and 100,000 responses
    .venv/bin/python -m benchmarks.request_sizes --sizes 1000

sync-forms runs through the real runner against the in-memory Google twin
(benchmarks.scale's program: every response becomes a Submissions row and
most a Queue item). Every request body is measured as sent. "one request"
is what the tab's append would have been before writes were split (the
rows' JSON in one body); Google refuses a body over 10,485,760 bytes and
recommends 2 MB (automation.store.gsheets_limits.REQUEST_BUDGET).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the twin lives in tests/fakes
    sys.path.insert(0, str(ROOT))

from automation.runner import run_job  # noqa: E402
from benchmarks import scale  # noqa: E402
from benchmarks.__main__ import Bench  # noqa: E402


def measure(n: int) -> dict[str, list[int]]:
    """Body sizes of every write request of one first sync of n responses, by request."""
    sizes: dict[str, list[int]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="chorus-sizes-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program("sync-forms", n))

        def hook(response: Any, *args: Any, **kwargs: Any) -> None:
            request = response.request
            if request.method == "POST" and request.body:
                path = unquote(request.path_url.split("?")[0])
                what = path.rsplit(":", 1)[-1]
                if what == "append":
                    what += " " + path.rsplit("/", 1)[-1].split("!")[0].strip("'")
                sizes[what].append(len(request.body))

        workspace.store.services.authorized_session().hooks["response"].append(hook)  # type: ignore[attr-defined]
        run_job(workspace, "sync-forms", scale.NOW)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args(argv)
    print("| responses | request | one request (before) | requests now | largest now |")
    print("|---:|---|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        for what, bodies in sorted(measure(n).items()):
            print(
                f"| {n:,} | {what} | {sum(bodies) / 1e6:,.2f} MB | {len(bodies)} "
                f"| {max(bodies) / 1e6:,.2f} MB |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
