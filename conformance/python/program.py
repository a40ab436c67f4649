"""The Python SDK's conformance program: runs one case of
conformance/CASES.md against a live server, prints one JSON line of what it
observed, and exits 0 only when every check passed.

    python -m conformance.python.program --case lifecycle --target 127.0.0.1:50051 ...
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

from . import core_cases, verifier_cases

CASES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    name: getattr(module, name)
    for module, names in (
        (core_cases, "lifecycle rich_errors refresh_reuse subject_terminated api_key tls mtls "
                     "watch_resume watch_compacted"),
        (verifier_cases, "verifier_offline verifier_revoked verifier_revoked_before_start "
                         "verifier_terminated verifier_fail_closed verifier_key_rotation "
                         "verifier_forgeries verifier_cold_start_after_compaction "
                         "verifier_compacted_resume verifier_other_tenant verifier_rewind "
                         "verifier_only_endings managed_session"),
    )
    for name in names.split()
}  # fmt: skip


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="conformance-python")
    p.add_argument("--case", required=True)
    for flag in (
        "target", "api-key", "other-api-key", "revoked-api-key", "tls-target",
        "mtls-target", "ca", "cert", "key", "control",
    ):  # fmt: skip
        p.add_argument(f"--{flag}", default="")
    p.add_argument("--prefix", default="py")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    case = CASES.get(args.case)
    if case is None:
        print(json.dumps({"case": args.case, "ok": False, "error": "not implemented"}))
        return 1
    try:
        observed = case(args)
    except BaseException as exc:
        traceback.print_exc(file=sys.stderr)
        print(json.dumps({"case": args.case, "ok": False, "error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps({"case": args.case, "ok": True, **observed}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
