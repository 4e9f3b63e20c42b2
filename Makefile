# The two commands of the README. Both run scripts/setup.sh first, which is a no-op when warm.
.PHONY: demo test setup

setup:
	@bash scripts/setup.sh

demo: setup
	@.venv/bin/bcnn demo

test: setup
	@.venv/bin/python -m pytest -q -n auto --dist loadfile --durations=25
