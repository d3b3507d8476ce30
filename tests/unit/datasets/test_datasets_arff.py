"""The ARFF reader (OpenML's data format) on small inline files."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pandas as pd
import pytest

from benchsuite.datasets._arff import read_arff
from benchsuite.errors import DataError

DENSE = """\
% a comment before the header
@RELATION 'tiny weather'

@ATTRIBUTE temperature NUMERIC
@attribute 'wind speed' real
@attribute outlook {sunny, 'partly cloudy', rainy}
@attribute play {yes,no}
@attribute note string

@DATA
% a comment in the data
20.5,3,sunny,yes,"calm"
?,7.25,'partly cloudy',no,"gusty, cold"
18,?,rainy,?,?
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.arff.gz"
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_numeric_nominal_string_and_missing_values(tmp_path):
    frame, kinds = read_arff(write(tmp_path, DENSE), "tiny")
    assert list(frame.columns) == ["temperature", "wind speed", "outlook", "play", "note"]
    assert kinds == {
        "temperature": "numeric",
        "wind speed": "numeric",
        "outlook": "nominal",
        "play": "nominal",
        "note": "string",
    }
    assert frame["temperature"].dtype == "float64"
    assert frame["temperature"].tolist()[::2] == [20.5, 18.0]
    assert math.isnan(frame["temperature"][1])
    assert frame["wind speed"].tolist()[:2] == [3.0, 7.25]
    assert math.isnan(frame["wind speed"][2])
    # nominal: category with the declared categories, in declared order, quotes removed
    assert isinstance(frame["outlook"].dtype, pd.CategoricalDtype)
    assert list(frame["outlook"].cat.categories) == ["sunny", "partly cloudy", "rainy"]
    assert frame["outlook"].tolist() == ["sunny", "partly cloudy", "rainy"]
    assert list(frame["play"].cat.categories) == ["yes", "no"]
    assert frame["play"].tolist()[:2] == ["yes", "no"]
    assert pd.isna(frame["play"][2])
    assert frame["note"].tolist()[:2] == ["calm", "gusty, cold"]
    assert pd.isna(frame["note"][2])


def test_numbers_as_nominal_values_stay_labels(tmp_path):
    # a 0/1 target declared nominal: categories are the text "0" and "1", not numbers
    text = "@relation r\n@attribute x numeric\n@attribute y {0,1}\n@data\n1.5,1\n2,0\n3,1\n"
    frame, _ = read_arff(write(tmp_path, text), "r")
    assert list(frame["y"].cat.categories) == ["0", "1"]
    assert frame["y"].tolist() == ["1", "0", "1"]
    assert frame["x"].tolist() == [1.5, 2.0, 3.0]


def test_sparse_data_is_refused_with_a_clear_error(tmp_path):
    text = "@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{0 1, 1 2}\n{1 5}\n"
    with pytest.raises(DataError, match="where: sparse ARFF data is not supported"):
        read_arff(write(tmp_path, text), "where")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "not an ARFF file"),
        ("@relation r\n@attribute a relational\n@data\n1\n", "has type 'relational'"),
        ("@relation r\n@attribute\n@data\n1\n", "unreadable ARFF attribute line"),
    ],
)
def test_bad_headers_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_arff(write(tmp_path, text), "where")
