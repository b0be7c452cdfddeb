"""Work shared between CPUs: forked children for pure functions (`fork`) and worker
processes that read import files (`readers`). Both fall back to doing the work in the
calling process whenever the other process cannot help, so results never depend on them.
"""
