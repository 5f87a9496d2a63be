"""The actions, grouped by theme; each module is imported when one of its actions first
runs (the declaration names them as lazy targets)."""
