"""Compiled (numba) versions of core kernels, for batches of many draws.

Each function here has the signature and the results of its reference in `sim.core`, which
stays plain numpy and is what the tests compare these with (docs/architecture.md). Draws are
computed independently and in parallel, so a draw's result does not depend on how many
draws share a call or on the number of threads.
"""

from sim.compiled.emissions import apply_interventions
from sim.compiled.stages import growth_index, project_costs

__all__ = ["apply_interventions", "growth_index", "project_costs"]
