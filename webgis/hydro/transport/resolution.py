"""Grid resolution and trimming of the gridded transport, in one place.

Every module of the package reads these as ``resolution.NAME`` at call time (never
``from ... import NAME``), so that a test can refine all the grids together for a
reference (tests/unit/hydro/refined.py).
"""

from __future__ import annotations

# A reservoir chain's grid takes 1/CELL_STEPS of a mixing cell's residence time and
# 1/SCALE_STEPS of its inflow's time scale, at most MAX_GRID steps; a release into a
# reservoir 1/DIRECT_CELL_STEPS of a cell and 1/DIRECT_RELEASE_STEPS of the release.
CELL_STEPS = 96.0
SCALE_STEPS = 32.0
DIRECT_CELL_STEPS = 64.0
DIRECT_RELEASE_STEPS = 110.0
MAX_GRID = 4096
# the fine "head" grid that resolves a reservoir's leading edge when the chain's grid
# is coarse next to its inflow: at most MAX_HEAD steps, spanning the inflow and
# HEAD_SPAN_STEPS coarse steps after it
MAX_HEAD = 4096
HEAD_SPAN_STEPS = 16
# a curve routed below a reservoir is sampled at least this many times per standard
# deviation of the channel response it went through
ROUTE_STEPS = 16
# gridded responses kept for later convolutions are cut where they fall below this
# fraction of their peak
ROW_TRIM = 1e-7
# the pulse that starts a transfer at a channel's inlet is this short (s); routed rows
# coarsen their grids to their own spread, so a short pulse costs little
CHANNEL_PULSE_S = 1.0
# a reservoir's pulse carries a head this much finer over its first steps (see
# webgis.hydro.transport.transfer): the first cells jump at once, and an inflow far
# sharper than the cells' grid still finds its front there
PULSE_HEAD_REFINE = 64
PULSE_HEAD_STEPS = 16
# a cached transfer takes over at a reservoir when the flux reaching its inlet spans at
# least this many steps of the transfer's grid there (its front is then resolved)
TRANSFER_RESOLVE_STEPS = 16.0

MG_PER_KG_OVER_L_PER_M3 = 1_000.0  # kg/m³ -> mg/L
