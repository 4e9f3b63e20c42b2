# The two commands of the README. Both run scripts/setup.sh first, which is a no-op when warm.
.PHONY: demo test test-all setup bench

setup:
	@bash scripts/setup.sh

demo: setup
	@.venv/bin/bcnn demo

test: setup
	@.venv/bin/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=25 -m "not heavy"

# The whole suite, `heavy` tests included (setup.cfg): before a release, not in CI.
test-all: setup
	@.venv/bin/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=25

# Every benchmark (bench/README.md); BENCH=sim_speed,flow_time runs some. Not part of CI: hours.
bench: setup
	@.venv/bin/python bench/run_all.py $(if $(BENCH),--only $(BENCH))
