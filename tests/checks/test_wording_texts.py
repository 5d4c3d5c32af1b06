import pandas as pd

from checks.wording import texts


def test_missing_values_read_as_empty_text():
    reindexed = pd.Series(["a"], index=["k"]).reindex(["k", "j"])
    assert texts(reindexed).tolist() == ["a", ""]
