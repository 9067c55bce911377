"""The files a person installing procwatch relies on: README links, compose, systemd, the wheel pipx installs."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_links_only_to_files_in_the_repository():
    """A clone has no ../shared: every relative link and every `path` the README names must exist."""
    targets = [t for t in re.findall(r"\]\(([^)#]+)\)", README) if "://" not in t]
    named = re.findall(r"`((?:deploy|bench|tests|bot)/[\w./-]+\.\w+|compose\.yaml|constraints\.txt|LICENSE|CHANGELOG\.md)`", README)
    missing = [t for t in targets + named if not (ROOT / t).exists()]
    assert not missing, f"README names files that are not in the repository: {missing}"
    assert "../shared/DESIGN" not in README and "](../" not in README  # data benches may name ../shared; docs may not


def test_compose_file_is_the_one_the_readme_shows():
    compose = (ROOT / "compose.yaml").read_text()
    for line in ("restart: unless-stopped", "procwatch-state:/app/state", "./config:/app/config",
                 "SAM_API_KEY_FILE: /run/secrets/sam_api_key"):
        assert line in compose
        assert line in README


def test_systemd_unit_runs_the_daemon_and_reloads_with_sighup():
    unit = (ROOT / "deploy" / "procwatch.service").read_text()
    sections = re.findall(r"^\[(\w+)\]$", unit, re.M)
    assert sections == ["Unit", "Service", "Install"]
    assert re.search(r"^ExecStart=\S+/procwatch run$", unit, re.M)
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "Restart=on-failure" in unit


def test_dockerfile_installs_pinned_dependencies_before_the_code():
    docker = (ROOT / "Dockerfile").read_text()
    assert docker.index("pip install -r constraints.txt") < docker.index("COPY bot ./bot")
    assert "org.opencontainers.image.licenses=\"MIT\"" in docker
    pins = [l for l in (ROOT / "constraints.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", p) for p in pins), pins
    pinned = {p.split("==")[0].lower().replace("_", "-") for p in pins}
    pyproject = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.S | re.M).group(1)
    for name in re.findall(r'"([A-Za-z0-9_.-]+)', deps):
        assert name.lower().replace("_", "-") in pinned, f"{name} is a dependency but not in constraints.txt"


def test_wheel_that_pipx_installs_carries_the_command_and_templates(tmp_path):
    """`pipx install .` installs this wheel: it must hold every module, the templates and the entry point."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("procwatch-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")}
    assert modules <= set(names), sorted(modules - set(names))[:5]
    assert any(n.startswith("bot/templates/") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "procwatch = bot.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_init_writes_the_shipped_starter_and_never_overwrites(tmp_path, capsys):
    from bot.cli import main
    from bot.config import load
    target = tmp_path / "conf" / "feeds.toml"
    target.parent.mkdir()
    assert main(["init", str(target)]) == 0
    assert target.read_bytes() == (ROOT / "feeds.toml").read_bytes()  # the packaged starter is the shipped file
    assert "wrote" in capsys.readouterr().out
    config = load(str(target), {})
    assert {"sam_extract", "usaspending"} <= {n for n, s in config.sources.items() if s.enabled}  # no key needed
    target.write_text("# mine\n")
    assert main(["init", str(target)]) == 1
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert target.read_text() == "# mine\n"
