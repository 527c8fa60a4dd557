"""nemodesk-cli: headless commands."""
