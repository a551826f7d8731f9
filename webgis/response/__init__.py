"""Pure response core: resource ranking, incident level, plan steps, notifications."""
