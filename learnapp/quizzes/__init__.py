"""Quizzes: pure parsing and grading here; views and forms for taking them."""
