"""Figures of displacement, deaths, injuries and strikes in news text.

Pure and synchronous: text in, Reports out. No network, no service database.

    >>> from extractors import extract
    >>> [r.value for r in extract("More than 2,000 people fled the town of Saraqib on Monday.")]
    [2000]
"""

from extractors.extract import extract
from extractors.gazetteer import Gazetteer, Place, default_gazetteer
from extractors.report import METRICS, Report

__all__ = ["METRICS", "Gazetteer", "Place", "Report", "default_gazetteer", "extract"]
