"""Case studies: branching scenarios, plays, reflections and rubric review."""
