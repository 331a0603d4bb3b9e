"""Pure course content: load, validate and render Markdown courses (no Flask, no database)."""
