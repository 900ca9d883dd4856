"""Refuse to build a wheel without the front-end bundle (the widget would render nothing)."""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    """Checks that ``static/widget.js`` exists before a wheel is built."""

    def initialize(self, version: str, build_data: dict) -> None:
        """Raise when the bundle is missing."""
        bundle = Path(self.root) / "src" / "sketchpose_web" / "static" / "widget.js"
        if self.target_name == "wheel" and version != "editable" and not bundle.is_file():
            raise RuntimeError(f"{bundle} is missing: run `node scripts/build-widget.mjs` in the repository first")
