"""eod.yaml's classify parameters are checked when the configuration is built (publish),
each error with its file, line and key path — not first by the nightly run."""

from __future__ import annotations

from spec_seed_helpers import SeedCopy

from lowlend.domain.classification import DEFAULT_RANGES, dpd_ranges

PARAMS = "steps[4].params"


def test_seed_classify_params_load(seed: SeedCopy) -> None:
    registry = seed.load()
    classify = next(s for s in registry.eod.steps if s.code.value == "classify")
    assert dpd_ranges(classify.params["dpd_ranges"]) == DEFAULT_RANGES
    assert list(classify.params["bucket_edges"]) == [30, 60, 90]


def test_ranges_must_ascend(seed: SeedCopy) -> None:
    line = seed.replace("eod.yaml", "{max_dpd: 180, category: substandard}",
                        "{max_dpd: 60, category: substandard}")
    error = seed.only_error()
    seed.check(error, "eod.yaml", line, f"{PARAMS}.dpd_ranges[2].max_dpd")
    assert "greater than the previous range (90)" in error.message


def test_last_range_must_be_open_ended(seed: SeedCopy) -> None:
    line = seed.replace("eod.yaml", "{max_dpd: null, category: loss}",
                        "{max_dpd: 720, category: loss}")
    error = seed.only_error()
    seed.check(error, "eod.yaml", line, f"{PARAMS}.dpd_ranges[4].max_dpd")
    assert "open-ended" in error.message


def test_category_must_come_from_the_dictionary(seed: SeedCopy) -> None:
    line = seed.replace("eod.yaml", "category: doubtful", "category: dubious")
    error = seed.only_error()
    seed.check(error, "eod.yaml", line, f"{PARAMS}.dpd_ranges[3].category")
    assert "unknown classification category 'dubious'" in error.message


def test_a_category_removed_from_the_dictionary_is_refused(seed: SeedCopy) -> None:
    seed.replace("dictionaries.yaml",
                 "      - {code: doubtful, label: {zh_CN: 可疑, en: Doubtful}}\n", "")
    error = seed.only_error()
    assert error.path == f"{PARAMS}.dpd_ranges[3].category", str(error)


def test_region_override_is_checked_too(seed: SeedCopy) -> None:
    seed.replace("eod.yaml", "      bucket_edges: [30, 60, 90]\n",
                 "      bucket_edges: [30, 60, 90]\n"
                 "      region_dpd_ranges:\n"
                 "        HK:\n"
                 "          - {max_dpd: 0, category: pass}\n"
                 "          - {max_dpd: 60, category: special_mention}\n"
                 "        ZZ:\n"
                 "          - {max_dpd: 0, category: pass}\n"
                 "          - {max_dpd: null, category: loss}\n")
    line_hk = seed.line_of("eod.yaml", "{max_dpd: 60, category: special_mention}")
    line_zz = seed.line_of("eod.yaml", "ZZ:")
    errors = sorted(seed.errors(), key=lambda e: e.line)
    assert [(e.line, e.path) for e in errors] == [
        (line_hk, f"{PARAMS}.region_dpd_ranges.HK[1].max_dpd"),
        (line_zz, f"{PARAMS}.region_dpd_ranges.ZZ"),
    ], "\n".join(map(str, errors))
    assert errors[1].message == "unknown region 'ZZ'"


def test_valid_region_override_loads(seed: SeedCopy) -> None:
    seed.replace("eod.yaml", "      bucket_edges: [30, 60, 90]\n",
                 "      bucket_edges: [30, 60, 90]\n"
                 "      region_dpd_ranges:\n"
                 "        HK: [{max_dpd: 0, category: pass}, {max_dpd: null, category: loss}]\n")
    classify = next(s for s in seed.load().eod.steps if s.code.value == "classify")
    assert [r.category for r in dpd_ranges(classify.params["region_dpd_ranges"]["HK"])] == [
        "pass", "loss"]


def test_bucket_edges_must_increase(seed: SeedCopy) -> None:
    line = seed.replace("eod.yaml", "bucket_edges: [30, 60, 90]", "bucket_edges: [30, 30, 90]")
    error = seed.only_error()
    seed.check(error, "eod.yaml", line, f"{PARAMS}.bucket_edges[1]")


def test_unknown_classify_parameter(seed: SeedCopy) -> None:
    line = seed.replace("eod.yaml", "      bucket_edges:", "      bucket_edge:")
    error = seed.only_error()
    seed.check(error, "eod.yaml", line, f"{PARAMS}.bucket_edge")
