"""A credible release for a risk screening: stored quantity × release fraction, bounded.

A screening asks "what could this enterprise's stock of this substance do to the intakes
downstream", not "what happens if all of it reaches the river at once". The credible
release is the share of the stored maximum (``max_t``) that reaches the water in a
credible accident of its storage type, bounded above by what one container or one breach
of that type can hold. The rule and its reasons are in ``docs/model.md`` ("Credible
release for screening"); :data:`RULE_VERSION` is part of every screening run's key, so a
change of the table makes new runs instead of reusing old ones.

The release is instantaneous (``duration_h = 0``): for the same mass the highest peak and
the earliest arrival, the safe side for a screening.
"""

from __future__ import annotations

from dataclasses import dataclass

RULE_VERSION = "credible-2026-12-r1"

STORAGE_TYPES = ("tank", "tailings", "wastewater", "packaged")

# industries whose heavy metals, metalloids and cyanide sit in a tailings pond or dam
TAILINGS_INDUSTRIES = frozenset({"tailings", "metal_mining", "gold_mining"})
TAILINGS_CLASSES = frozenset({"heavy_metal", "metalloid", "cyanide"})
# liquids held in bulk tanks
TANK_CLASSES = frozenset({"oil", "volatile_organic", "organic", "acid_alkali"})
# what a treatment works or a pond of process water holds
WASTEWATER_CLASSES = frozenset({"nutrient", "oxygen_demand"})

# (storage type, pollutant class) -> fraction of the stored maximum released; the storage
# type's own row (class None) applies to every other class
RELEASE_FRACTION: dict[tuple[str, str | None], float] = {
    ("tank", None): 0.10,  # one tank of a farm of ~10 lost past a failed bund
    ("tank", "oil"): 0.10,
    ("tank", "volatile_organic"): 0.10,
    ("tailings", None): 0.02,  # a dam breach: a slice of the pond's dissolved inventory
    ("tailings", "cyanide"): 0.05,  # free cyanide in the pond water leaves first
    ("wastewater", None): 0.05,  # about a day of untreated inflow of a ~20-day stock
    ("packaged", None): 0.05,  # drums and bags washed out by fire water or a flood
}

# the most one container or one breach of the type can release (t)
UPPER_BOUND_T: dict[str, float] = {
    "tank": 5_000.0,  # a 5,000 m³ tank, the largest common in the province's depots
    "tailings": 100.0,
    "wastewater": 500.0,
    "packaged": 50.0,
}


@dataclass(frozen=True, slots=True)
class CredibleRelease:
    """The release a screening runs for one stored substance."""

    storage: str
    fraction: float
    mass_kg: float
    capped: bool  # the upper bound applied
    duration_h: float = 0.0


def storage_type(industry: str, pclass: str) -> str:
    """How a substance is stored, from the enterprise's industry and the pollutant's
    class (the register holds no storage type; this is the documented default)."""
    if industry in TAILINGS_INDUSTRIES and pclass in TAILINGS_CLASSES:
        return "tailings"
    if industry == "wastewater" or pclass in WASTEWATER_CLASSES:
        return "wastewater"
    if pclass in TANK_CLASSES:
        return "tank"
    return "packaged"


def release_fraction(storage: str, pclass: str) -> float:
    """The fraction of the stored maximum released (class row, else the storage row)."""
    got = RELEASE_FRACTION.get((storage, pclass))
    return got if got is not None else RELEASE_FRACTION[(storage, None)]


def credible_release(stored_t: float, pclass: str, industry: str) -> CredibleRelease | None:
    """The credible release of ``stored_t`` tonnes (None: nothing stored, nothing to run)."""
    if not stored_t > 0:
        return None
    storage = storage_type(industry, pclass)
    fraction = release_fraction(storage, pclass)
    bound_t = UPPER_BOUND_T[storage]
    released_t = stored_t * fraction
    capped = released_t > bound_t
    return CredibleRelease(storage, fraction, min(released_t, bound_t) * 1000.0, capped)
