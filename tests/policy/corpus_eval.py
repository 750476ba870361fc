"""Run the plaintext-key policies over the labelled corpus and count what they report.

Used by ``tests/policy/test_corpus.py`` (which pins the figures) and ``benchmarks/policy_corpus.py``
(which prints them). Only the pack's pure cores are called: ``find_plaintext_keys`` for resources
and ``find_plaintext_keys_in_outputs`` for stack outputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ai_keys_policy.policies import find_plaintext_keys, find_plaintext_keys_in_outputs
from corpus import PLACEMENTS, STACK, Placement, Sample, innocent_values, place, unknown_vendor_keys, vendor_keys

ENTROPY_KIND = "HIGH_ENTROPY"


@dataclass
class Tally:
    """How many (value, placement) pairs were checked and which kinds were reported on them."""

    total: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    """Pairs with at least one finding of the kind."""
    flagged: int = 0
    """Pairs with at least one finding of any kind."""
    by_placement: Counter[str] = field(default_factory=Counter)
    """Flagged pairs per placement label."""

    def rate(self, count: int) -> float:
        """``count`` as a fraction of :attr:`total`."""
        return count / self.total if self.total else 0.0


def _findings(placement: Placement, props: dict[str, Any]) -> list[Any]:
    if placement.resource_type == STACK:
        return list(find_plaintext_keys_in_outputs(props))
    return list(find_plaintext_keys(placement.resource_type, props))


def _belongs(finding_path: str, path: str) -> bool:
    return finding_path == path or finding_path.startswith((path + ".", path + "["))


def kinds_per_sample(samples: Sequence[Sample], placements: Sequence[Placement] = PLACEMENTS) -> dict[str, list[set[str]]]:
    """For each placement label, the set of kinds reported on each sample (same order as ``samples``)."""
    result: dict[str, list[set[str]]] = {}
    for placement in placements:
        kinds: list[set[str]] = [set() for _ in samples]
        for props, indexes, paths in place(placement, samples):
            by_path = dict(zip(paths, indexes, strict=True))
            for finding in _findings(placement, props):
                index = by_path.get(finding.path)
                if index is None:
                    index = next((i for p, i in by_path.items() if _belongs(finding.path, p)), None)
                if index is not None:
                    kinds[index].add(finding.kind.name)
        result[placement.label] = kinds
    return result


def tally(samples: Sequence[Sample], placements: Sequence[Placement] = PLACEMENTS) -> dict[str, Tally]:
    """Tallies per sample label (plus ``"all"``) over every placement."""
    tallies: dict[str, Tally] = {"all": Tally()}
    for label, kinds in kinds_per_sample(samples, placements).items():
        for sample, found in zip(samples, kinds, strict=True):
            for key in ("all", sample.label):
                t = tallies.setdefault(key, Tally())
                t.total += 1
                t.by_kind.update(found)
                if found:
                    t.flagged += 1
                    t.by_placement[label] += 1
    return tallies


@dataclass
class Figures:
    """The measured precision and recall of the pack on the corpus."""

    innocent_pairs: int
    entropy_false_positives: int
    vendor_false_positives: int
    vendor_recall: dict[str, float]
    """Per vendor format: the share of pairs reported by a vendor-pattern rule."""
    vendor_kind_recall: dict[str, float]
    """Per vendor format: the share of pairs reported with the expected kind."""
    unknown_pairs: int
    unknown_caught_by_entropy: int
    unknown_caught: int
    innocent_flagged_by_shape: dict[str, int]
    innocent_flagged_by_placement: dict[str, int]
    unknown_recall_by_shape: dict[str, float]

    @property
    def entropy_fp_rate(self) -> float:
        """False positives of the entropy rule per innocent (value, placement) pair."""
        return self.entropy_false_positives / self.innocent_pairs

    @property
    def vendor_fp_rate(self) -> float:
        """False positives of the vendor-pattern rules per innocent (value, placement) pair."""
        return self.vendor_false_positives / self.innocent_pairs

    @property
    def entropy_recall(self) -> float:
        """The entropy rule's recall on keys of no known vendor."""
        return self.unknown_caught_by_entropy / self.unknown_pairs


def measure(
    innocents: Sequence[Sample] | None = None,
    keys: Sequence[Sample] | None = None,
    unknown: Sequence[Sample] | None = None,
    placements: Sequence[Placement] = PLACEMENTS,
) -> Figures:
    """Measure the pack on the corpus (the full generated corpus unless given)."""
    innocents = innocent_values() if innocents is None else innocents
    keys = vendor_keys() if keys is None else keys
    unknown = unknown_vendor_keys() if unknown is None else unknown

    innocent_kinds = kinds_per_sample(innocents, placements)
    pairs = entropy_fp = vendor_fp = 0
    by_shape: Counter[str] = Counter()
    by_placement: Counter[str] = Counter()
    for label, kinds in innocent_kinds.items():
        for sample, found in zip(innocents, kinds, strict=True):
            pairs += 1
            entropy_fp += ENTROPY_KIND in found
            vendor_fp += bool(found - {ENTROPY_KIND})
            if found:
                by_shape[sample.label] += 1
                by_placement[label] += 1

    recall_hits: Counter[str] = Counter()
    kind_hits: Counter[str] = Counter()
    recall_total: Counter[str] = Counter()
    for kinds in kinds_per_sample(keys, placements).values():
        for sample, found in zip(keys, kinds, strict=True):
            recall_total[sample.label] += 1
            recall_hits[sample.label] += bool(found - {ENTROPY_KIND})
            kind_hits[sample.label] += sample.kind in found

    unknown_pairs = by_entropy = caught = 0
    shape_hits: Counter[str] = Counter()
    shape_total: Counter[str] = Counter()
    for kinds in kinds_per_sample(unknown, placements).values():
        for sample, found in zip(unknown, kinds, strict=True):
            unknown_pairs += 1
            by_entropy += ENTROPY_KIND in found
            caught += bool(found)
            shape_total[sample.label] += 1
            shape_hits[sample.label] += ENTROPY_KIND in found

    return Figures(
        innocent_pairs=pairs,
        entropy_false_positives=entropy_fp,
        vendor_false_positives=vendor_fp,
        vendor_recall={label: recall_hits[label] / recall_total[label] for label in recall_total},
        vendor_kind_recall={label: kind_hits[label] / recall_total[label] for label in recall_total},
        unknown_pairs=unknown_pairs,
        unknown_caught_by_entropy=by_entropy,
        unknown_caught=caught,
        innocent_flagged_by_shape=dict(by_shape),
        innocent_flagged_by_placement=dict(by_placement),
        unknown_recall_by_shape={label: shape_hits[label] / shape_total[label] for label in shape_total},
    )


def report(figures: Figures) -> str:
    """The figures as a plain-text table."""
    lines = [
        f"innocent (value, placement) pairs: {figures.innocent_pairs}",
        f"entropy rule false positives: {figures.entropy_false_positives} ({figures.entropy_fp_rate:.4%})",
        f"vendor-pattern rules false positives: {figures.vendor_false_positives} ({figures.vendor_fp_rate:.4%})",
        "innocent values flagged, by shape: "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures.innocent_flagged_by_shape.items())),
        "innocent values flagged, by placement: "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures.innocent_flagged_by_placement.items())),
        "vendor-pattern recall per vendor format (reported by any vendor rule / with its own kind):",
        *(f"  {label:24} {rate:8.2%} {figures.vendor_kind_recall[label]:8.2%}" for label, rate in figures.vendor_recall.items()),
        f"entropy rule recall on unknown-vendor keys: {figures.unknown_caught_by_entropy}/{figures.unknown_pairs} "
        f"({figures.entropy_recall:.2%}); caught by any rule: {figures.unknown_caught / figures.unknown_pairs:.2%}",
        *(f"  {label:24} {rate:8.2%}" for label, rate in figures.unknown_recall_by_shape.items()),
    ]
    return "\n".join(lines)
