"""What tests (and the benchmarks) share: the loopback Discord stand-in, the injected clock, the synthetic
catalog, the helpers that start the real bot or CLI as a process, and test-only extensions. Nothing here is
a test itself; bench/ may use it, tests never import bench/ (except the smoke run of the benchmarks)."""
