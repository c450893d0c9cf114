"""Datamaps, as ARCtrl 3.2 models them: what the data files of a study or assay hold.

A :class:`Datamap` lists :class:`DataContext` s. Each names a data file (or a part of
one through a selector, ``file.csv#col=2``) and says what it is: the explication (what
is measured), its unit, the object type (``float``), a label, a description, what
generated it, and free comments. In an ARC a datamap is ``isa.datamap.xlsx`` beside
the study's or assay's own file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voxhub.isa.ontology import OntologyAnnotation
from voxhub.isa.people import Comment


@dataclass(slots=True)
class DataContext:
    name: str = ""
    format: str = ""
    selector_format: str = ""
    explication: OntologyAnnotation | None = None
    unit: OntologyAnnotation | None = None
    object_type: OntologyAnnotation | None = None
    label: str = ""
    description: str = ""
    generated_by: str = ""
    comments: list[Comment] = field(default_factory=list)


@dataclass(slots=True)
class Datamap:
    contexts: list[DataContext] = field(default_factory=list)


__all__ = ["DataContext", "Datamap"]
