"""The upstream navigation index of a network: the pre-order of its upstream forest and
the main-stem choice, built once per network (see :mod:`webgis.hydro.upstream`)."""

from __future__ import annotations

import weakref
from array import array
from dataclasses import dataclass

import numpy as np

from webgis.hydro.network import RiverNetwork


@dataclass(frozen=True, slots=True)
class UpIndex:
    """Pre-order of the upstream forest and the main-stem choice, once per network."""

    order: np.ndarray  # reach indices in pre-order (network ends are the roots)
    pos: np.ndarray  # pre-order position of each reach; -1 = in or above a cycle
    size: np.ndarray  # reaches in the upstream subtree of each reach, itself included
    main_up: array[int]  # main-stem upstream reach, -1 = none
    length: array[float]  # reach lengths as Python floats (fast walk)


_INDEX: weakref.WeakKeyDictionary[RiverNetwork, UpIndex] = weakref.WeakKeyDictionary()


def children_csr(down: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of upstream neighbours: reaches flowing into i are idx[ptr[i]:ptr[i + 1]]."""
    order = np.argsort(down, kind="stable")
    first = int(np.searchsorted(down[order], 0))
    idx = order[first:]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(down[idx], minlength=n), out=ptr[1:])
    return ptr, idx


def main_upstream(net: RiverNetwork, down: np.ndarray) -> np.ndarray:
    """Per reach, the upstream reach the main stem continues into (see module doc)."""
    n = len(net)
    main = np.full(n, -1, dtype=np.int32)
    u = np.flatnonzero(down >= 0)
    if u.size == 0:
        return main
    p = down[u]
    named = np.array([r is not None for r in net.rivers], dtype=bool)
    riv = net.river_index
    same = (riv[u] == riv[p]) & named[riv[p]]
    # primary key last: by downstream reach, same river first, larger discharge, lower index
    key = np.lexsort((u, -net.discharge_m3s[u], ~same, p))
    ps = p[key]
    first = np.ones(ps.size, dtype=bool)
    first[1:] = ps[1:] != ps[:-1]
    main[ps[first]] = u[key][first]
    return main


def build_upstream_index(net: RiverNetwork) -> UpIndex:
    """Pre-order positions and subtree sizes, level by level (vectorised per level)."""
    n = len(net)
    down = np.asarray(net.downstream, dtype=np.int64)
    ptr, kids = children_csr(down, n)
    roots = np.flatnonzero(down < 0)
    levels = [roots]
    front = roots
    while front.size:
        cnt = ptr[front + 1] - ptr[front]
        total = int(cnt.sum())
        if total == 0:
            break
        # children of every reach of the level, grouped by parent in level order
        offs = np.repeat(ptr[front] - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
        front = kids[offs]
        levels.append(front)
    size = np.ones(n, dtype=np.int64)
    for lvl in reversed(levels[1:]):
        par = down[lvl]
        starts = np.flatnonzero(np.concatenate(([True], par[1:] != par[:-1])))
        size[par[starts]] += np.add.reduceat(size[lvl], starts)
    pos = np.full(n, -1, dtype=np.int64)
    s = size[roots]
    pos[roots] = np.cumsum(s) - s
    for lvl in levels[1:]:
        par = down[lvl]
        s = size[lvl]
        before = np.cumsum(s) - s
        new = np.concatenate(([True], par[1:] != par[:-1]))
        group_start = before[new][np.cumsum(new) - 1]
        pos[lvl] = pos[par] + 1 + before - group_start
    reached = np.flatnonzero(pos >= 0)
    order = np.empty(reached.size, dtype=np.int64)
    order[pos[reached]] = reached
    return UpIndex(
        order=order,
        pos=pos,
        size=size,
        main_up=array("i", main_upstream(net, down).tobytes()),
        length=array("d", np.asarray(net.length_m, dtype=np.float64).tobytes()),
    )


def upstream_index(network: RiverNetwork) -> UpIndex:
    """The navigation index of a network, built on first use and cached (weakly)."""
    idx = _INDEX.get(network)
    if idx is None:
        idx = build_upstream_index(network)
        _INDEX[network] = idx
    return idx


def ancestor_sums(sub_size: np.ndarray, w: np.ndarray) -> np.ndarray:
    """For a pre-order slice, the sum of ``w`` over each row's ancestors and itself.

    Euler-tour prefix sum: +w where a subtree starts, -w where it ends, then cumsum.
    """
    k = w.size
    d = np.zeros(k + 1, dtype=np.float64)
    d[:k] = w
    d -= np.bincount(np.arange(k) + sub_size, weights=w, minlength=k + 1)
    return np.cumsum(d[:k])
