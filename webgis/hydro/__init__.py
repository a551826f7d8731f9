"""Pure hydro core: river network, hydraulics, spill transport (no Flask, no SQL, no I/O)."""
