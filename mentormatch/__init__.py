import os

# One BLAS thread per process: the web server runs a process per core, and BLAS threads that
# spin-wait beside them multiply the CPU each search costs (measured: 25 → see docs/benchmarks.md).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
