"""The Parquet workspace: batches, manifest, quarantine, issues and runs."""

from procrisk.store.workspace import Batch, Workspace, atomic_write_bytes, atomic_write_parquet

__all__ = ["Batch", "Workspace", "atomic_write_bytes", "atomic_write_parquet"]
