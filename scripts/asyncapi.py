"""Write the AsyncAPI document of the event contracts to docs/asyncapi.yaml, or check that it is current.

    uv run python scripts/asyncapi.py            # (re)generate docs/asyncapi.yaml
    uv run python scripts/asyncapi.py --check    # exit 1 if the file differs from what the contracts give

The document comes from `shared.asyncapi.document()` (the default namespace `congress`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.asyncapi import document  # noqa: E402

OUTPUT = ROOT / "docs" / "asyncapi.yaml"
HEADER = (
    "# AsyncAPI document of the suite's events, generated from shared/contracts/ by scripts/asyncapi.py.\n"
    "# Do not edit by hand: regenerate with `uv run python scripts/asyncapi.py`.\n"
)


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
    """Safe YAML, with text of several lines as a literal block."""


def _str(dumper: Any, value: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def render(doc: dict[str, Any] | None = None) -> str:
    """The document as the YAML text the file holds."""
    body: str = yaml.dump(
        document() if doc is None else doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=120,
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    """Write the file, or with --check compare it; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not what the contracts give")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"the file (default {OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    text = render()
    path: Path = args.output
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(
                f"{path} is not what the contracts give; regenerate it: uv run python scripts/asyncapi.py",
                file=sys.stderr,
            )
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
