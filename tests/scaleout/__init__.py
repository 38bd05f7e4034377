"""Tests of hocbaso.scaleout: the batch check on Dask (local cluster in one process)."""
