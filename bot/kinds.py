"""A registry of kinds (`kind` in feeds.toml → "module:Class"), each module imported on first use.

Loading feeds.toml looks up only the kinds it names, so a command imports the sources and channels
it is configured with, not all of them (and their parsers) on every start.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping


class Registry(Mapping[str, type]):
    """kind → implementation class; the class's module is imported when the kind is first looked up."""

    def __init__(self, package: str, paths: dict[str, str]):
        self.package, self.paths = package, paths
        self.loaded: dict[str, type] = {}

    def __getitem__(self, kind: str) -> type:
        if kind not in self.loaded:
            module, _, name = self.paths[kind].partition(":")
            self.loaded[kind] = getattr(importlib.import_module(module, self.package), name)
        return self.loaded[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self.paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)
