"""Replay log layouts and loading them into ``CascadeData``.

Three layouts, told apart by their headers:

* two-model binary (the original): ``label``, ``cheap_score``, ``expensive_score``
  (with the synonyms in ``log.SYNONYMS``); tiers "cheap" then "expensive";
* binary, any models: ``label`` and ``score_<model>`` per model (probability of the
  positive class);
* quality, any task: ``correct_<model>`` (0/1, or a graded score in [0, 1]) and
  ``confidence_<model>`` (any number, higher = surer) per model; accuracy is mean
  quality. The last tier's confidence is never used, so it may be absent.

Model names are the column suffixes (``correct_fraud-lite`` -> ``fraud-lite``), matched
ignoring case, spaces and punctuation against the spec's ``models`` and the session's
candidate names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import InputError
from workbench.fmt import printable
from workbench.routing.cascade import CascadeData
from workbench.routing.log import (
    REQUIRED,
    SYNONYMS,
    _resolve_canonical,
    column_as_float,
    match_extra,
    parquet_headers,
    read_table,
    validate_arrays,
)
from workbench.routing.spec import MAX_TIERS, RoutingSpec, normalize_name

_PREFIXED = re.compile(r"^\s*(correct|confidence|score)[\s_\-.:]+(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """Which header holds what: the format, the tiers and their columns."""

    kind: str  # "binary" | "quality"
    names: tuple[str, ...]  # tier names as the log spells them
    label: str | None
    score: tuple[str, ...] = ()  # binary: one header per tier
    correct: tuple[str, ...] = ()  # quality: one header per tier
    confidence: tuple[str | None, ...] = ()  # quality: None allowed for the last tier
    legacy: bool = False  # the cheap_score / expensive_score layout

    def columns(self) -> dict[str, tuple[str, str]]:
        """Key -> (header, kind) of every input column the layout reads."""
        out: dict[str, tuple[str, str]] = {}
        if self.label is not None and self.kind == "binary":
            out["label"] = (self.label, "label")
        for m, header in enumerate(self.score):
            out[f"score:{m}"] = (header, "score")
        for m, header in enumerate(self.correct):
            out[f"correct:{m}"] = (header, "quality")
        for m, conf_header in enumerate(self.confidence):
            if conf_header is not None:
                out[f"confidence:{m}"] = (conf_header, "value")
        return out


def _prefixed(headers: list[str]) -> dict[str, list[tuple[str, str]]]:
    """prefix -> [(suffix, header)] in file order."""
    out: dict[str, list[tuple[str, str]]] = {"correct": [], "confidence": [], "score": []}
    for h in headers:
        hit = _PREFIXED.match(h)
        if hit:
            out[hit.group(1).lower()].append((hit.group(2), h))
    return out


def _find(pairs: list[tuple[str, str]], model: str) -> str | None:
    target = normalize_name(model)
    hits = [h for suffix, h in pairs if normalize_name(suffix) == target]
    return hits[0] if len(hits) == 1 else None


def detect_layout(headers: list[str], spec: RoutingSpec, source: str) -> Layout:
    """The layout of a log from its headers and the spec's ``models``/``log_format``."""
    pre = _prefixed(headers)
    wanted = spec.log_format
    label = _resolve_canonical("label", headers, source)
    found_headers = ", ".join(repr(h) for h in headers[:20]) or "(none)"

    if spec.models:
        names = spec.models
        corrects = [_find(pre["correct"], m) for m in names]
        scores = [_find(pre["score"], m) for m in names]
        quality_ok = all(corrects) and wanted in ("auto", "quality")
        binary_ok = all(scores) and wanted in ("auto", "binary")
        if quality_ok:
            confs = [_find(pre["confidence"], m) for m in names]
            missing = [f"confidence_{names[m]}" for m in range(len(names) - 1) if confs[m] is None]
            if missing:
                raise InputError(
                    f"missing column(s) {', '.join(printable(c) for c in missing)}: each tier but "
                    f"the last needs its router confidence; headers found: {found_headers}",
                    source=source, column=missing[0],
                )
            return Layout("quality", tuple(names), label, correct=tuple(c for c in corrects if c),
                          confidence=tuple(confs))
        if binary_ok:
            if label is None:
                raise InputError(f"missing column label; headers found: {found_headers}",
                                 source=source, column="label")
            return Layout("binary", tuple(names), label, score=tuple(s for s in scores if s))
        if len(names) == 2 and wanted in ("auto", "binary"):
            legacy = _legacy(headers, source, required=False)
            if legacy is not None:
                return Layout("binary", tuple(names), legacy[0], score=legacy[1:], legacy=True)
        expected = " or ".join(
            f"{p}_<model>" for p in (("correct", "score") if wanted == "auto" else
                                     ("correct",) if wanted == "quality" else ("score",))
        )
        lost = ([names[m] for m in range(len(names)) if not (corrects[m] or scores[m])]
                or list(names))
        raise InputError(
            f"no columns for model(s) {', '.join(repr(printable(n)) for n in lost)}: expected "
            f"{expected} headers (case, spaces and punctuation ignored); headers found: "
            f"{found_headers}",
            source=source, key="models",
        )

    if wanted in ("auto", "quality") and pre["correct"]:
        names = tuple(s for s, _ in pre["correct"])
        _check_count(names, source)
        confs = [_find(pre["confidence"], m) for m in names]
        missing = [f"confidence_{names[m]}" for m in range(len(names) - 1) if confs[m] is None]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(printable(c) for c in missing)}: each tier but the "
                f"last needs its router confidence; headers found: {found_headers}",
                source=source, column=missing[0],
            )
        return Layout("quality", names, label, correct=tuple(h for _, h in pre["correct"]),
                      confidence=tuple(confs))
    if wanted in ("auto", "binary") and len(pre["score"]) >= 2 and label is not None:
        names = tuple(s for s, _ in pre["score"])
        _check_count(names, source)
        return Layout("binary", names, label, score=tuple(h for _, h in pre["score"]))
    if wanted == "quality":
        raise InputError(
            f"no correct_<model> columns for the quality format; headers found: {found_headers}",
            source=source, column="correct",
        )
    legacy = _legacy(headers, source, required=True)
    assert legacy is not None
    return Layout("binary", ("cheap", "expensive"), legacy[0], score=legacy[1:], legacy=True)


def _check_count(names: tuple[str, ...], source: str) -> None:
    if len(names) < 2:
        raise InputError(
            f"a cascade needs at least two models; the log has one ({printable(names[0])})",
            source=source,
        )
    if len(names) > MAX_TIERS:
        raise InputError(
            f"the log has {len(names)} models ({', '.join(printable(n) for n in names)}); a "
            f"cascade has 2 to {MAX_TIERS}: name the tiers in order with --models",
            source=source, key="models",
        )


def _legacy(headers: list[str], source: str, required: bool) -> tuple[str, str, str] | None:
    hits = {canon: _resolve_canonical(canon, headers, source) for canon in REQUIRED}
    if all(hits.values()):
        used = list(hits.values())
        for canon, header in hits.items():
            if used.count(header) > 1:
                raise InputError(f"header {header!r} cannot be both {canon} and another input",
                                 source=source, column=header)
        label, cheap, expensive = hits["label"], hits["cheap_score"], hits["expensive_score"]
        assert label and cheap and expensive  # all(hits.values()) above
        return label, cheap, expensive
    if not required:
        return None
    missing = [c for c, h in hits.items() if h is None]
    accepted = "; ".join(f"{m}: {', '.join(SYNONYMS[m][:6])}, ..." for m in missing)
    found = ", ".join(repr(h) for h in headers) if headers else "(none)"
    raise InputError(
        f"missing column(s) {', '.join(missing)}; headers found: {found} (accepted names: "
        f"{accepted}; or score_<model> per model, or correct_<model> and confidence_<model> per "
        "model)",
        source=source, column=missing[0],
    )


def extra_columns(spec: RoutingSpec) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys([*spec.escalate_when, *spec.escalate_above,
                       *([spec.loss_column] if spec.loss_column else [])])
    )


def load_cascade(path: Path, spec: RoutingSpec, source: str | None = None) -> CascadeData:
    """Load a replay log of any layout, validated, with forced rules and loss applied."""
    src = source or str(path)
    extra = extra_columns(spec)
    is_parquet = path.suffix.lower() in (".parquet", ".pq")
    table = None
    if is_parquet and path.is_file() and path.stat().st_size > 0:
        try:
            headers = parquet_headers(path)
        except InputError:
            raise
        except Exception as exc:  # pyarrow raises several types for a corrupt footer
            raise InputError(f"cannot read as Parquet: {exc}", source=src) from exc
    else:
        table = read_table(path, src)
        headers = list(table.column_names)
    layout = detect_layout(headers, spec, src)
    columns = layout.columns()
    taken = {key: header for key, (header, _) in columns.items()}
    extras, missing = match_extra(headers, extra, src)
    if missing:
        found = ", ".join(repr(h) for h in headers) if headers else "(none)"
        raise InputError(f"missing column(s) {', '.join(missing)}; headers found: {found}",
                         source=src, column=missing[0])
    for name, header in extras.items():
        if header in taken.values():
            raise InputError(f"header {header!r} cannot be both a model column and {name!r}",
                             source=src, column=header)
    mapping = {**taken, **extras}
    kinds = {key: kind for key, (_, kind) in columns.items()}
    if table is None:
        table = read_table(path, src, columns=list(dict.fromkeys(mapping.values())))
    if table.num_rows == 0:
        raise InputError("no data rows (the file has a header only)", source=src)
    values = {key: column_as_float(table, header, src) for key, header in mapping.items()}
    del table
    validate_arrays(values, mapping, src, kinds=kinds)
    return _build(values, layout, spec, src, mapping, extras)


def _build(
    values: dict[str, np.ndarray], layout: Layout, spec: RoutingSpec, src: str,
    mapping: dict[str, str], extras: dict[str, str],
) -> CascadeData:
    k = len(layout.names)
    forced = None
    if spec.has_forced_rules:
        n = next(iter(values.values())).size
        forced = np.zeros(n, dtype=bool)
        for column in spec.escalate_when:
            forced |= values[column] != 0
        for column, value in spec.escalate_above.items():
            forced |= values[column] > value
    loss = values[spec.loss_column] if spec.loss_column else None
    names = spec.tier_names(layout.names)
    if layout.kind == "binary":
        return CascadeData(
            source=src, names=tuple(names), kind="binary", label=values["label"] == 1.0,
            scores=[values[f"score:{m}"] for m in range(k)],
            decision_threshold=spec.decision_threshold,
            forced=forced, loss=loss, headers=mapping,
        )
    qual = [values[f"correct:{m}"] for m in range(k)]
    graded = any(bool(np.any((q != 0) & (q != 1))) for q in qual)
    conf = [values[f"confidence:{m}"] if f"confidence:{m}" in values else np.zeros(qual[0].size)
            for m in range(k)]
    return CascadeData(
        source=src, names=tuple(names), kind="quality", conf=conf, qual=qual, forced=forced,
        loss=loss,
        graded=graded, headers=mapping,
    )
