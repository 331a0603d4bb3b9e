"""Quizzes, the web feature: taking a quiz, attempts and results.

Parsing and grading are pure and live in the content core (`learnapp.content.quiz`,
`learnapp.content.grading`).
"""
