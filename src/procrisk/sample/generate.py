"""generate_sample(): build the synthetic world from one seed and write every sample file."""

from __future__ import annotations

import random
from pathlib import Path

from procrisk.errors import UsageError
from procrisk.sample.contracts import build_contracts
from procrisk.sample.model import Contract, Process, Supplier
from procrisk.sample.names import NameMaker
from procrisk.sample.ocds import build_processes, write_ocds
from procrisk.sample.questionnaire import write_questionnaire
from procrisk.sample.register import write_register
from procrisk.sample.risks import ground_truth, write_planted
from procrisk.sample.suppliers import build_suppliers

FILES = {
    "register": "contract_register.xlsx",
    "questionnaire": "supplier_questionnaire.xlsx",
    "ocds": "ocds_release_package.json",
    "planted": "planted_risks.csv",
}
MIN_CONTRACTS = 100
MIN_RELEASES = 12


def stream(seed: int, name: str) -> random.Random:
    """An independent, reproducible random stream per seed and part (str seeds hash with SHA-512)."""
    return random.Random(f"{seed}:{name}")  # noqa: S311 - synthetic data, not cryptography


def build_world(
    seed: int, contracts: int, suppliers: int, releases: int
) -> tuple[list[Supplier], list[Contract], list[Process]]:
    """The clean suppliers, contracts and OCDS processes for a seed (each from its own random stream)."""
    if contracts < MIN_CONTRACTS or releases < MIN_RELEASES:
        msg = (
            f"contracts={contracts}, releases={releases}: the sample needs at least {MIN_CONTRACTS} "
            f"contracts and {MIN_RELEASES} releases"
        )
        raise UsageError(msg)
    names = NameMaker(stream(seed, "names"))
    pool = build_suppliers(stream(seed, "suppliers"), suppliers, names)
    rows = build_contracts(stream(seed, "contracts"), pool, contracts, names)
    processes = build_processes(stream(seed, "ocds"), pool, releases)
    return pool, rows, processes


def generate_sample(
    out_dir: Path, *, seed: int = 2018, contracts: int = 3000, suppliers: int = 400, releases: int = 300
) -> dict[str, Path]:
    """Write the messy register, the questionnaire, the OCDS package and the planted-risk ground truth.

    The same arguments always give byte-identical files. Returns the path of each file by kind
    (register, questionnaire, ocds, planted).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pool, rows, processes = build_world(seed, contracts, suppliers, releases)
    paths = {kind: out_dir / name for kind, name in FILES.items()}
    write_register(rows, paths["register"], stream(seed, "register"))
    write_questionnaire(pool, paths["questionnaire"], stream(seed, "questionnaire"))
    write_ocds(processes, paths["ocds"])
    write_planted(ground_truth(FILES, rows, pool, processes), paths["planted"])
    return paths
