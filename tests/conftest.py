"""Test-session setup shared by all test modules."""
import os

# One BLAS thread: the suite's matrix products are small, and on a shared machine several BLAS
# threads per process contend for the cores (a 2,000-step training test ran 30x slower that way).
# Set before NumPy is first imported; an explicit setting in the environment wins.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
