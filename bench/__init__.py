"""Benchmarks of the workspace's plugins against their peers (``make bench``)."""
