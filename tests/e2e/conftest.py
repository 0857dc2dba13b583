"""The end-to-end tier's one complete pipeline run, shared by every test that needs a published folder."""

from __future__ import annotations

import io

import pytest

from itip_pipeline.core.settings import get_settings


@pytest.fixture(scope="session")
def published_once(tmp_path_factory):
    """One complete `itip run` (in this process) on a fresh data folder with generated SYNTHETIC deliveries and
    stray entries beside them: (settings, summary, terminal text). The most expensive fixture of the suite, so
    it is made once: tests that change the folder work on a copy (`support.data_folders.copy_published`),
    except test_pipeline_e2e, which puts back what it changes."""
    from itip_pipeline.runner.itip_run import DEFAULT_YEARS, run_all
    from itip_pipeline.synthetic.generator import generate_deliveries

    root = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITIP_DATA_DIR", str(root / "data"))
        patch.setenv("DAGSTER_HOME", str(root / "data" / "dagster_home"))
        patch.delenv("ITIP_PSEUDONYM_KEY", raising=False)  # the synthetic files run on the default key
        settings = get_settings()
        # The deliveries `itip run` generates into an empty landing folder; generated here, since a landing folder
        # holding only stray entries is refused (synthetic files are never put beside what someone delivered).
        generate_deliveries(settings.landing_dir, DEFAULT_YEARS, seed=2025)
        # Stray entries beside the deliveries: a year outside the partitions and a folder that is no year.
        for stray in ("2020", "misc"):
            (settings.landing_dir / stray).mkdir(parents=True)
            (settings.landing_dir / stray / "codebook.csv").write_text("survey,source_column\n")
        terminal = io.StringIO()  # what `itip run` shows on the terminal while the run is on
        summary = run_all(settings, terminal=terminal)
    return settings, summary, terminal.getvalue()
