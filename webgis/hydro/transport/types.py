"""Array types shared by the modules of the transport package.

Float arrays are typed by kind, not width: numpy's ufuncs return ``floating[Any]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.signedinteger[Any]]
BoolArray = npt.NDArray[np.bool_]
