"""Read OCDS files (packages, records, JSON Lines, gzip, folders) and flatten them to canonical rows."""

from procrisk.ingest.ocds.reader import OcdsRead, frozen_for_collector, read_ocds

__all__ = ["OcdsRead", "frozen_for_collector", "read_ocds"]
