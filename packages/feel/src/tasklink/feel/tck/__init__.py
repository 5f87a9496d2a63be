"""DMN TCK runner for the FEEL engine: ``python -m tasklink.feel.tck DIR``."""

from ._runner import DirectoryResult, TckResult, run_tck

__all__ = ["DirectoryResult", "TckResult", "run_tck"]
