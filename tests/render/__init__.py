"""Tests of the printable copy (hocbaso.render) and the render/verify-copy commands."""
