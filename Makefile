.PHONY: run test bench

run:  ## set up and start the app on the embedded default
	bash scripts/run.sh

test:  ## set up and run the whole test suite (SQLite, then PostgreSQL)
	bash scripts/test.sh

bench:  ## run the benchmarks under bench/
	bash bench/run.sh
