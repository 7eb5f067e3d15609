"""Loading the shipped configuration: parse + validate + build the frozen registry.

Every web and Celery worker does this once per published version (and the config
screens on every Validate/Publish). Run: ``.venv/bin/python benchmarks/config_bench.py``.
Target: < 0.5 s for the shipped configuration.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lowlend.spec.loader import load_bundle, read_bundle  # noqa: E402
from lowlend.spec.yamlload import load_yaml  # noqa: E402


def bench(runs: int = 15) -> dict[str, float]:
    """Median seconds of ``load_bundle`` over ``runs`` runs, and of the YAML parse alone."""
    files = read_bundle(ROOT / "product_configs", ROOT / "notification_templates")
    yaml_files = [text for name, text in files.items() if name.endswith(".yaml")]
    loads, parses = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        registry = load_bundle(files)
        loads.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for text in yaml_files:
            load_yaml(text)
        parses.append(time.perf_counter() - t0)
    return {
        "files": len(files),
        "yaml_files": len(yaml_files),
        "products": len(registry.products),
        "load_seconds": statistics.median(loads),
        "parse_seconds": statistics.median(parses),
    }


def main() -> dict[str, float]:
    r = bench()
    print(
        f"config: {int(r['files'])} files ({int(r['yaml_files'])} YAML, "
        f"{int(r['products'])} products): load {r['load_seconds'] * 1000:.0f} ms, "
        f"YAML parse alone {r['parse_seconds'] * 1000:.0f} ms (median)"
    )
    return r


if __name__ == "__main__":
    main()
