"""Pure course content: load, validate and render Markdown courses and quizzes, and grade
answers (no Flask, no database)."""
