"""Versions of the shipped reference data (name, edition, source, licence, sha256) for run manifests."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from importlib.resources.abc import Traversable

from procrisk.reference import ilab, tip

DATA = files("procrisk.reference") / "data"
_ILAB_SOURCE = ("US Department of Labor, Bureau of International Labor Affairs (ILAB), via "
                "USDepartmentofLabor/Child-Labor-Android app/src/main/assets @ b8891386 (flattened to CSV)")
_JUDGEMENT = "procrisk project judgement based on the sources named in each row (domain.md §3.2)"

# dataset -> (folder, files, edition, source, licence); the files are hashed when the versions are read.
DATASETS: dict[str, tuple[str, tuple[str, ...], str, str, str]] = {
    "sector_tiers": (
        "sectors", ("cpv_tiers.csv", "unspsc_tiers.csv", "naics_tiers.csv", "sector_terms.csv"), "1",
        _JUDGEMENT + "; CPV 2008 labels (Regulation (EC) 213/2008), UNSPSC segment and NAICS 2022 labels",
        "Apache-2.0 (project data); CPV labels are EU legislation",
    ),
    "ilab_goods": (
        "ilab", (ilab.GOODS_FILE, ilab.ADVANCEMENT_FILE, "downstream_inputs.csv", "country_iso2.csv"),
        ilab.EDITION,
        "ILAB List of Goods Produced by Child Labor or Forced Labor (2022 edition) and Findings on the Worst "
        "Forms of Child Labor (2022); " + _ILAB_SOURCE,
        "US government work, public domain (17 U.S.C. 105); attribute US DOL ILAB",
    ),
    "ilab_crosswalk": (
        "ilab", ("goods_cpv_crosswalk.csv",), "1",
        "procrisk goods-to-CPV/NAICS crosswalk and match terms (project judgement); CPV codes checked "
        "against CPV 2008",
        "Apache-2.0 (project data)",
    ),
    "tip_tiers": (
        "tip", (tip.TIP_FILE, "iso3_iso2.csv", "overrides.csv"), "2015",
        "US State Department Trafficking in Persons Report tiers 1999-2015, compiled by Heiss & Kelley "
        "(andrewheiss/From-the-Trenches-Anti-TIP-NGOs-and-US @ 475c15ba); latest year 2015; overrides from "
        "the 2015 Report",
        "Tier placements are US government facts (public domain); the compilation has no licence file",
    ),
    "ilo_indicators": (
        "ilo", ("indicators.yaml",), "2012",
        "ILO Indicators of Forced Labour (2012), ILO Special Action Programme to Combat Forced Labour "
        "(descriptions paraphrased)",
        "Apache-2.0 (project paraphrase); the booklet is (c) ILO",
    ),
}


def _sha256(file: Traversable) -> str:
    """The sha256 hex digest of one packaged file."""
    return hashlib.sha256(file.read_bytes()).hexdigest()


def _combined(hashes: dict[str, str]) -> str:
    """One digest over several files' digests (sorted by name), so a dataset has a single fingerprint."""
    text = "\n".join(f"{name} {digest}" for name, digest in sorted(hashes.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reference_versions() -> dict[str, dict]:
    """For every shipped dataset: name, edition, source, licence, per-file sha256 and a combined sha256."""
    out: dict[str, dict] = {}
    for name, (folder, names, edition, source, licence) in DATASETS.items():
        hashes = {f"{folder}/{n}": _sha256(DATA / folder / n) for n in names}
        out[name] = {"name": name, "edition": edition, "source": source, "licence": licence,
                     "files": hashes, "sha256": _combined(hashes)}
    covered = {folder for folder, *_ in DATASETS.values()}
    for folder in sorted(d.name for d in DATA.iterdir() if d.is_dir() and d.name not in covered):
        hashes = {f"{folder}/{f.name}": _sha256(f) for f in sorted(DATA.joinpath(folder).iterdir(),
                                                                     key=lambda f: f.name) if f.is_file()}
        out[folder] = {"name": folder, "edition": "see reference/data/SOURCES.md",
                       "source": "see reference/data/SOURCES.md", "licence": "see reference/data/SOURCES.md",
                       "files": hashes, "sha256": _combined(hashes)}
    return out
