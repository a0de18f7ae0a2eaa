"""Read OCDS files (packages, records, JSON Lines, gzip, folders) and flatten them to canonical rows."""

from procrisk.ingest.ocds.reader import OcdsRead, read_ocds

__all__ = ["OcdsRead", "read_ocds"]
