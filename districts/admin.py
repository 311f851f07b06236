"""Admin screens: see issue #2."""
