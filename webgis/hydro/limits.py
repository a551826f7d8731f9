"""Which GB 3838-2002 limit applies at a receptor, and why (the table and class).

Intakes sit in first-level protection zones of surface drinking-water sources, where
GB 3838-2002 §4 applies Class II; every other receptor is judged against Class III.
"""

from __future__ import annotations

from webgis.hydro.inputs import PollutantInput

LimitBasis = tuple[str, str]  # (zh, en)

_TABLE_NAME = {
    2: ("表2（集中式生活饮用水地表水源地补充项目）",
        "Table 2 (drinking-water sources, supplementary)"),
    3: ("表3（集中式生活饮用水地表水源地特定项目）",
        "Table 3 (drinking-water sources, specific)"),
}


def limit_and_basis(
    kind: str, pollutant: PollutantInput
) -> tuple[float | None, LimitBasis | None]:
    """The GB 3838-2002 limit that applies at a receptor of ``kind``, with its basis
    (zh, en).

    Intakes sit in first-level protection zones of surface drinking-water sources, where
    GB 3838-2002 §4 applies Class II: Table 1 items use the Class II column, the items of
    Tables 2/3 their single value. Elsewhere Class III (second-level zones and the usual
    river target); an item with no Table 1 value falls back to its Table 2/3 value (the
    only standard value there is) and says so.
    """
    table = pollutant.limit_source_table or 3
    t_zh, t_en = _TABLE_NAME.get(table, _TABLE_NAME[3])
    if kind == "water_source":
        if pollutant.limit_class2_mgl is not None:
            return pollutant.limit_class2_mgl, (
                "GB 3838-2002 表1 II类（取水口位于一级保护区）",
                "GB 3838-2002 Table 1, Class II (intake in a first-level protection zone)",
            )
        if pollutant.limit_source_mgl is not None:
            return pollutant.limit_source_mgl, (f"GB 3838-2002 {t_zh}", f"GB 3838-2002 {t_en}")
        if pollutant.limit_class3_mgl is not None:
            # a Table 1 item without a stored Class II value: Class III is all there is
            return pollutant.limit_class3_mgl, (
                "GB 3838-2002 表1 III类（库中无II类值）",
                "GB 3838-2002 Table 1, Class III (no Class II value in the library)",
            )
        return None, None
    if pollutant.limit_class3_mgl is not None:
        return pollutant.limit_class3_mgl, (
            "GB 3838-2002 表1 III类", "GB 3838-2002 Table 1, Class III"
        )
    if pollutant.limit_source_mgl is not None:
        return pollutant.limit_source_mgl, (
            f"GB 3838-2002 {t_zh}（表1无此项，参照）",
            f"GB 3838-2002 {t_en} (not in Table 1; used for reference)",
        )
    return None, None


def default_limit_mgl(kind: str, pollutant: PollutantInput) -> float | None:
    """Class II (Table 1) or Tables 2/3 at intakes, Class III elsewhere (GB 3838-2002);
    see :func:`limit_and_basis`."""
    return limit_and_basis(kind, pollutant)[0]
