"""Synthetic sample data: a messy contract register, a supplier questionnaire and an OCDS package.

Everything is generated from one seed (``generate_sample``) with documented, planted risk patterns whose
ground truth is written to ``planted_risks.csv``. All names are invented.
"""

from procrisk.sample.generate import FILES, generate_sample

__all__ = ["FILES", "generate_sample"]
