"""The scenario flags shared by `workbench analyze`, `report` and the TUI's start-up.

Parsing `--weight accuracy=0.5:max:log10` and friends lives here, next to nothing
else, so the CLI and the TUI accept exactly the same spelling.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from workbench.columns import default_direction
from workbench.errors import InputError
from workbench.fields import FIELDS
from workbench.model import Constraints, Criterion, Session
from workbench.parse import NumberError, parse_number


def _parse_number(text: str, flag: str) -> float:
    """A flag's number in the one grammar of workbench.parse (500k, $15,000, 2.5M, 1e6)."""
    try:
        return parse_number(text)
    except NumberError as exc:
        raise InputError(f"{flag}: {exc}") from None


def parse_assignment(text: str, flag: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"{flag}: expected COLUMN=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    if not key:
        raise InputError(f"{flag}: empty column name in {text!r}")
    return key, value.strip()


def parse_weight(text: str) -> Criterion:
    """`COL=W`, `COL=W:min`, `COL=W:max:log10` -> Criterion."""
    column, rest = parse_assignment(text, "--weight")
    parts = rest.split(":")
    weight = _parse_number(parts[0], f"--weight {column}")
    if weight < 0:
        raise InputError(f"--weight {column}: weight must be >= 0, got {parts[0]}")
    direction = parts[1].strip().lower() if len(parts) > 1 and parts[1].strip() else None
    scale = parts[2].strip().lower() if len(parts) > 2 and parts[2].strip() else "linear"
    if len(parts) > 3:
        raise InputError(f"--weight: expected COL=W[:max|min[:linear|log10]], got {text!r}")
    if direction is None:
        direction = default_direction(column)
    if direction not in ("max", "min"):
        raise InputError(f"--weight {column}: direction must be max or min, got {direction!r}")
    if scale not in ("linear", "log10"):
        raise InputError(f"--weight {column}: scale must be linear or log10, got {scale!r}")
    return Criterion(column, direction, weight, scale)  # type: ignore[arg-type]


_GROUPS = {
    "": "the record", "workload": "workload", "constraints": "constraints",
    "scoring": "scoring", "whatif": "what-if",
    "pricing": "pricing (candidates priced per token or on instances)",
    "tco": "total cost of ownership",
    "uncertainty": "uncertainty and risks",
}


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per field of `workbench.fields` that has one, plus the composite flags."""
    groups = {name: parser.add_argument_group(title) for name, title in _GROUPS.items()}
    for f in FIELDS:
        if f.flag is None:
            continue
        extra = f" [{f.unit}]" if f.unit and f.unit != "%" else ""
        default = f" (default {_default_text(f.default)})" if f.default is not None else ""
        groups[f.section].add_argument(
            # argparse %-formats help texts: a literal "%" must be doubled.
            f.flag, type=str, metavar=f.metavar,
            help=f"{f.help}{extra}{default}".replace("%", "%%"),
            choices=f.choices or None,
        )
    g = groups["constraints"]
    g.add_argument("--max", action="append", default=[], metavar="COL=V",
                   help="upper limit on any numeric column (repeatable)")
    g.add_argument("--min", action="append", default=[], metavar="COL=V",
                   help="lower limit on any numeric column (repeatable)")
    s = groups["scoring"]
    s.add_argument("--weight", action="append", default=[], metavar="COL=W[:DIR[:SCALE]]",
                   help="criterion weight, e.g. accuracy=0.5 or cost=0.3:min or "
                        "params_m=0.1:min:log10 (repeatable; replaces the defaults)")
    s.add_argument("--map", action="append", default=[], metavar='COL="Header"',
                   help="say which header holds a column (repeatable)")


def _default_text(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def mapping_from(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in getattr(args, "map", []) or []:
        key, value = parse_assignment(item, "--map")
        out[key] = value.strip('"').strip("'")
    return out


def apply_overrides(session: Session, args: argparse.Namespace) -> Session:
    """Flags win over what a session file says; unset flags leave it alone."""
    for f in FIELDS:
        if f.flag is None:
            continue
        text = getattr(args, f.dest, None)
        if text is None:
            continue
        try:
            session = f.set(session, f.parse(text))
        except InputError as exc:
            raise InputError(f"{f.flag}: {exc.message}") from None
    c: Constraints = session.scenario.constraints
    if args.max or args.min:
        limits = {"max": dict(c.max), "min": dict(c.min)}
        for side in ("max", "min"):
            for item in getattr(args, side):
                k, v = parse_assignment(item, f"--{side}")
                limits[side][k] = _parse_number(v, f"--{side} {k}")
        session = session.with_scenario(
            constraints=replace(c, max=limits["max"], min=limits["min"]))
    if args.weight:
        session = session.with_scenario(scoring=replace(
            session.scenario.scoring, criteria=tuple(parse_weight(x) for x in args.weight)))
    return session
