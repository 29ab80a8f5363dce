"""Rollout timing: when each project really takes effect (docs/model.md section 4).

The only source of adoption in citypaths. Inputs are plain arrays over (draw, project);
the output is the yearly mean adoption and each project's timing.
"""

from sim.rollout.schedule import RolloutInputs, RolloutResult, run_rollout

__all__ = ["RolloutInputs", "RolloutResult", "run_rollout"]
