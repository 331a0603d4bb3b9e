"""Cohorts: named groups of learners with courses to finish by a due date."""
