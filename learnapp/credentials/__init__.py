"""Open Badges 3.0 verifiable credentials beside every PDF certificate (issue 19)."""
