"""A facet that only the tests declare (the country of a group), to show that declaring it is the whole change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from server import facets, labels
from server.labels import N_

COUNTRY = facets.Facet(
    param="country",
    label=N_("Country"),
    labels=labels.COUNTRY,
    of=lambda g: (g.country,),
    doc="BE or NL.",
)


@contextmanager
def country_facet() -> Iterator[None]:
    """The registry with COUNTRY added at its end, while the block runs (apps built inside use it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(facets, "REGISTRY", facets.Registry((*facets.FACETS, COUNTRY)))
        yield
