"""A batch asks the C library to keep the memory its chunks free (docs/performance.md,
"Memory faults")."""

import platform

from sim.batch import keep_freed_memory


def test_a_batch_keeps_freed_memory_where_the_c_library_is_glibc():
    # mallopt answers 1 when it takes a setting; elsewhere the function does nothing
    assert keep_freed_memory() is (platform.libc_ver()[0] == "glibc")
